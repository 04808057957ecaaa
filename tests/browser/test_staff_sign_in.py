"""Staff sign-in in a real browser, through the one sign-in (allauth's): the password reset
journey, the page of a paused sign-in, and a second factor set up and then asked for, at a
phone's width and a desktop's, screenshots kept, checked by axe-core."""

import re
import time

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in, run_axe
from tests.factories import EditorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

VIEWPORTS = [("phone", PHONE), ("desktop", DESKTOP)]
PASSWORD = "correct horse battery"
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


def sign_in_form(page, email, password):
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")


def authenticator_code(secret):
    """What the staff member's authenticator app shows now (RFC 6238, 30-second steps)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_a_forgotten_password_is_reset_from_the_sign_in_page(
    page, watch, artifacts, device, viewport
):
    EditorFactory(username="night-editor", email="night@example.com")
    page.set_viewport_size(viewport)

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    keep(page, watch, artifacts, "sign-in", viewport)
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    keep(page, watch, artifacts, "reset-form", viewport)
    page.fill("input[name=email]", "night@example.com")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_text("We have sent you an email")).to_be_visible()
    keep(page, watch, artifacts, "reset-sent", viewport)

    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body)
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    keep(page, watch, artifacts, "reset-new-password", viewport)
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()
    keep(page, watch, artifacts, "reset-complete", viewport)

    log_in(page, "night@example.com", NEW_PASSWORD)
    watch.assert_clean()


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_a_used_link_gets_a_clear_page(page, watch, artifacts, device, viewport):
    page.set_viewport_size(viewport)

    response = page.goto("/accounts/password/reset/key/1-not-a-real-token/")

    assert response.status == 400
    expect(page.get_by_text("The password reset link was invalid")).to_be_visible()
    keep(page, watch, artifacts, "reset-invalid-link", viewport, status="400 (Bad Request)")


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_guessing_pauses_sign_in_with_a_page_that_says_why(
    page, watch, artifacts, device, viewport
):
    EditorFactory(username="night-editor", email="night@example.com")
    page.set_viewport_size(viewport)

    for n in range(5):
        page.goto("/admin/")
        sign_in_form(page, "night@example.com", f"guess-{n}")
        page.wait_for_load_state()

    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("You can try again after")).to_be_visible()
    keep(page, watch, artifacts, "sign-in-paused", viewport, status="429 (Too Many Requests)")
    page.get_by_role("link", name="Reset your password by e-mail").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    watch.assert_clean()


@pytest.mark.parametrize("device, viewport", VIEWPORTS)
def test_staff_set_up_an_authenticator_app_then_sign_in_with_its_code(
    page, watch, artifacts, settings, device, viewport
):
    settings.LIFESCOPE_STAFF_MFA = True
    EditorFactory(username="night-editor", email="night@example.com", password=PASSWORD)
    page.set_viewport_size(viewport)
    # The server's clock, stopped at the start of a 30-second step: the codes read below are
    # the server's, and the second sign-in moves it on to a fresh code.
    start = (int(time.time()) // 30) * 30 + 1
    with time_machine.travel(start, tick=False) as clock:
        page.goto("/admin/")
        sign_in_form(page, "night@example.com", PASSWORD)
        # A second factor is needed before the admin: allauth asks for the password again
        # before one is added, then shows the code to scan and its secret in words.
        expect(page.get_by_text("Enter your password")).to_be_visible()
        expect(page.get_by_text("set up an authenticator app")).to_be_visible()
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
        keep(page, watch, artifacts, "totp-setup", viewport)
        secret = page.input_value("#authenticator_secret")
        page.fill("input[name=code]", authenticator_code(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
        page.goto("/admin/")
        expect(page.locator("#user-tools")).to_be_visible()
        watch.assert_clean()

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/$"))
        assert page.goto("/admin/").url.split("?")[0].endswith("/accounts/login/")

        clock.shift(30)
        sign_in_form(page, "night@example.com", PASSWORD)
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        keep(page, watch, artifacts, "totp-code", viewport)
        page.fill("input[name=code]", authenticator_code(secret))
        page.get_by_role("button", name="Sign In", exact=True).click()
        expect(page.locator("#user-tools")).to_be_visible()
        watch.assert_clean()


def test_a_staff_member_adds_a_passkey_and_signs_in_with_it(page, watch, context, settings):
    """Chromium's virtual authenticator (DevTools' WebAuthn domain) stands in for the phone or
    security key: a passkey counts as the admin's second factor, and signs in by itself."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is plain http://localhost
    EditorFactory(username="night-editor", email="night@example.com", password=PASSWORD)
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(page, "night@example.com", PASSWORD)

    page.goto("/accounts/2fa/webauthn/add/")
    expect(page.get_by_text("Enter your password")).to_be_visible()
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    page.fill("input[name=name]", "Desk laptop")
    page.check("input[name=passwordless]")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    page.goto("/admin/")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # The passkey is a second factor: the admin asks for no other, setting on.
    settings.LIFESCOPE_STAFF_MFA = True
    page.goto("/admin/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#user-tools")).to_be_visible()
    watch.assert_clean()
