"""Staff sign-in in a real browser: the password reset journey and the page of a paused sign-in,
at a phone's width and a desktop's, screenshots kept, checked by axe-core."""

import re

import pytest
from django.core import mail

from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in, run_axe
from tests.factories import EditorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

VIEWPORTS = [("phone", PHONE), ("desktop", DESKTOP)]
NEW_PASSWORD = "copper kettle on the windowsill"


def keep(page, watch, artifacts, name, viewport, status=None):
    """Screenshot of the page as it is: it fits the screen's width, did nothing it should not
    (a refusal's status, which Chromium logs, aside) and passes axe-core."""
    path = artifacts / f"staff-{name}-{viewport['width']}px.png"
    page.screenshot(path=str(path), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
    if status:
        watch.console_errors.remove(
            f"Failed to load resource: the server responded with a status of {status}"
        )
    watch.assert_clean()
    # The admin's breadcrumbs tell their links from the text by colour alone, on every admin
    # page: a matter for the admin's stylesheet, not for these pages.
    breadcrumbs = """link-in-text-block (serious): Links must be distinguishable without relying \
on color at [['.breadcrumbs > a[href$="admin/"]']]"""
    assert [v for v in run_axe(page) if v != breadcrumbs] == [], name
    # axe-core's own probing of the page's styles is refused by the CSP and logged: not the page's.
    watch.console_errors.clear()
    page.evaluate("window.__csp_violations = []")


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_a_forgotten_password_is_reset_from_the_login_page(
    page, watch, artifacts, device, viewport
):
    EditorFactory(username="night-editor", email="night@example.com")
    page.set_viewport_size(viewport)

    page.goto("/admin/login/")
    keep(page, watch, artifacts, "login", viewport)
    page.get_by_role("link", name="Forgotten your login credentials?").click()
    expect(page.get_by_role("heading", name="Password reset")).to_be_visible()
    keep(page, watch, artifacts, "reset-form", viewport)
    page.get_by_label("Email address").fill("night@example.com")
    page.get_by_role("button", name="Reset my password").click()
    expect(page.get_by_text("if an account exists with the email you entered")).to_be_visible()
    keep(page, watch, artifacts, "reset-sent", viewport)

    link = re.search(r"https?://\S+/admin/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_text("Please enter your new password twice")).to_be_visible()
    keep(page, watch, artifacts, "reset-new-password", viewport)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Your password has been set.")).to_be_visible()
    keep(page, watch, artifacts, "reset-complete", viewport)

    log_in(page, "night-editor", NEW_PASSWORD)
    watch.assert_clean()


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_a_used_link_gets_a_clear_page(page, watch, artifacts, device, viewport):
    page.set_viewport_size(viewport)

    response = page.goto("/admin/reset/MQ/not-a-real-token/")

    assert response.status == 400
    expect(page.get_by_text("The password reset link was invalid")).to_be_visible()
    keep(page, watch, artifacts, "reset-invalid-link", viewport, status="400 (Bad Request)")


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_guessing_pauses_sign_in_with_a_page_that_says_why(
    page, watch, artifacts, device, viewport
):
    EditorFactory(username="night-editor")
    page.set_viewport_size(viewport)

    for n in range(5):
        page.goto("/admin/login/")
        page.fill("#id_username", "night-editor")
        page.fill("#id_password", f"guess-{n}")
        page.click("input[type=submit]")

    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("You can try again after")).to_be_visible()
    keep(page, watch, artifacts, "sign-in-paused", viewport, status="429 (Too Many Requests)")
    page.get_by_role("link", name="Reset your password by e-mail").click()
    expect(page.get_by_role("heading", name="Password reset")).to_be_visible()
    watch.assert_clean()
