"""What the browser tests share: where things are, how to log in, how to ask axe-core."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_PLAYWRIGHT = "the Playwright client is not installed: `make browser-test` installs it"
CHROMIUM = Path(os.environ.get("LIFESCOPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

# Every test here drives the browser against a live server, whose thread sees only committed
# data; serialized_rollback brings back the roles the migrations create, which a flush wipes.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class PageWatch:
    """Everything a page did that a reader did not ask for: dialogs, errors, foreign requests."""

    def __init__(self, page, origin):
        self.page = page
        self.origin = origin
        self.dialogs = []
        self.console_errors = []
        self.page_errors = []
        self.foreign_requests = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        # A route sees only requests about to go on the wire: what the CSP refused never does.
        # The pattern is matched inside the driver, so the site's own requests cost nothing.
        page.route(re.compile(rf"^(?!{re.escape(origin)}/)"), self._route)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _route(self, route):
        self.foreign_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def csp_violations(self):
        return self.page.evaluate("window.__csp_violations || []")

    def assert_clean(self):
        """Nothing fired, failed, phoned out or was refused by the CSP on the current page."""
        assert self.dialogs == []
        assert self.page_errors == []
        assert self.console_errors == []
        assert self.foreign_requests == []
        assert self.csp_violations() == []


def log_in(page, email, password):
    """Signs in at the one sign-in (allauth's), on the way to the admin."""
    page.goto("/admin/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#user-tools")


def run_axe(page):
    """axe-core's serious and critical violations on the current page, as readable strings."""
    if not AXE_JS.exists():
        pytest.skip(f"axe-core not installed at {AXE_JS}: run `npm ci` in the project root")
    # Evaluated through the DevTools protocol, so the page's CSP (rightly) does not stop it.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "best-practice"]},
           })"""
    )
    return [
        "{id} ({impact}): {help} at {targets}".format(
            id=violation["id"],
            impact=violation["impact"],
            help=violation["help"],
            targets=[node["target"] for node in violation["nodes"]][:5],
        )
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
