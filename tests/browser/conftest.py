"""The site in a real browser: Debian's Chromium driven by Playwright against a live server.

Tests here are marked `browser`. Without Chromium at CHROMIUM, or without the Playwright client,
they are skipped with the reason; nothing here ever downloads a browser. Screenshots go to
test-artifacts/ (git-ignored).
"""

import os
import re

import pytest
from django.core.management import call_command

from tests.browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    NO_PLAYWRIGHT,
    PageWatch,
)

# Runs in the page before any of its own scripts, outside the page's CSP: records what the CSP
# refused, which would mean hostile markup reached the page and tried to act.
WATCH_SCRIPT = """
window.__csp_violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp_violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def missing_browser_reason():
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) "
            "to run the browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return NO_PLAYWRIGHT
    return None


def pytest_collection_modifyitems(config, items):
    reason = missing_browser_reason()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop running in this thread. Django then takes the
    # test's (synchronous) database work for async code: its guard would refuse it, and its
    # connection handler, which keys connections by async context once a loop runs, hands out
    # new connection objects. Those reach the same test database but lack what the test run
    # set up on the first ones: the serialised rows (the roles the migrations create) that
    # serialized_rollback restores after each browser test's flush. So that state is carried
    # over; without it, browser tests run after other database tests lost the roles.
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def origin(live_server, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    return live_server.url


def new_context(browser, origin):
    context = browser.new_context(base_url=origin, viewport=DESKTOP, locale="en-GB")
    context.add_init_script(WATCH_SCRIPT)
    # Nothing leaves the machine: a request for another host is answered with an error (and
    # recorded by PageWatch), so a test can never depend on, or leak to, the internet.
    context.route(re.compile(rf"^(?!{re.escape(origin)}/)"), lambda route: route.abort())
    return context


@pytest.fixture
def context(browser, origin):
    context = new_context(browser, origin)
    yield context
    context.close()


@pytest.fixture
def reader_page(browser, origin):
    """A second browser, for a logged-out reader: no cookies shared with `page`."""
    context = new_context(browser, origin)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def watch(page, origin):
    return PageWatch(page, origin)


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def comment_settings(settings):
    """Lets a test post at browser speed, many times from one address."""
    settings.COMMENTS = {
        **settings.COMMENTS,
        "MIN_SECONDS_TO_SUBMIT": 0,
        "RATE_LIMIT_POSTS": 10_000,
        "CLOSE_AFTER_DAYS": None,
        "MODERATE_AFTER_DAYS": None,
        "AUTO_APPROVE_RETURNING": False,
    }
    return settings.COMMENTS


@pytest.fixture
def demo_site(db):
    """The demo stories, sections, comments and the editor and moderator accounts."""
    call_command("load_demo", verbosity=0)
