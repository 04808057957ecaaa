"""Staff sign in with a second factor (allauth.mfa) when LIFESCOPE_STAFF_MFA is on, through the
one sign-in; readers are never asked for one (README, "Staff sign-in")."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from comments.models import Comment
from tests.comments.conftest import comment_data
from tests.factories import (
    ArticleFactory,
    DraftArticleFactory,
    EditorFactory,
    ModeratorFactory,
    UserFactory,
)
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-editor-password"
START = "2026-03-02 09:00:00 +0000"
TOTP_SETUP = "/accounts/2fa/totp/activate/"
CONFIRM_PASSWORD = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
CODE_PAGE = "/accounts/2fa/authenticate/"
ADMIN_PAGES = [
    "/admin/",
    "/admin/articles/article/",
    "/admin/articles/article/add/",
    "/admin/articles/section/",
    "/admin/password_change/",
    "/admin/jsi18n/",
]


@pytest.fixture
def staff_mfa(settings):
    settings.LIFESCOPE_STAFF_MFA = True


@pytest.fixture
def editor():
    return EditorFactory(username="editor", email="editor@example.com", password=PASSWORD)


def code_at(secret, seconds_from_now=0):
    """The authenticator app's code, as RFC 6238 computes it from the (test's) clock."""
    return format_hotp_value(hotp_value(secret, int(time.time() + seconds_from_now) // 30))


def with_totp(user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def landing(client, path):
    return client.get(path, follow=True).redirect_chain[-1][0]


def test_the_admin_login_address_lands_on_the_one_sign_in(client):
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert landing(client, "/admin/articles/article/") == (
        "/accounts/login/?next=%2Fadmin%2Farticles%2Farticle%2F"
    )
    # Only our own addresses are followed after signing in.
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == (
        "/accounts/login/?next=%2Fadmin%2F"
    )


def test_the_second_factor_is_asked_of_staff_outside_development_only():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LIFESCOPE_STAFF_MFA)"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LIFESCOPE_"))
    }
    environment.pop("DATABASE_URL", None)
    environment["DJANGO_SETTINGS_MODULE"] = "lifescope.settings"
    environment["DJANGO_SECRET_KEY"] = (
        "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    )

    def staff_mfa(**env):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(__file__).resolve().parents[2],
            env={**environment, **env},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert staff_mfa(DJANGO_DEBUG="0") == "True"
    assert staff_mfa(DJANGO_DEBUG="1") == "False"
    assert staff_mfa(DJANGO_DEBUG="0", LIFESCOPE_STAFF_MFA="0") == "False"


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, editor, staff_mfa, path):
    assert sign_in(client, "editor@example.com", PASSWORD)["Location"] == "/admin/"

    # allauth asks for the password again before a second factor is added or removed.
    asked = client.get(path, follow=True)
    assert asked.redirect_chain[-1][0] == CONFIRM_PASSWORD
    assertContains(asked, "set up an authenticator app")
    confirmed = client.post(CONFIRM_PASSWORD, {"password": PASSWORD})
    assert confirmed["Location"] == TOTP_SETUP
    assert landing(client, path) == TOTP_SETUP


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_with_the_setting_off_staff_use_the_admin_with_a_password(client, editor, path):
    sign_in(client, "editor@example.com", PASSWORD)

    assert client.get(path).status_code == 200


def test_readers_are_never_asked_for_a_second_factor(client, staff_mfa):
    reader = UserFactory(email="reader@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)

    signed_in = sign_in(client, "reader@example.com", PASSWORD, next_url="/")

    assert signed_in["Location"] == "/"
    assert client.get("/").status_code == 200
    # The admin is not theirs, and says so instead of offering another sign-in.
    assert client.get("/admin/login/").status_code == 403
    assert landing(client, "/admin/") == "/admin/login/?next=/admin/"


def test_a_staff_member_sets_up_an_authenticator_app_and_reaches_the_admin(
    client, editor, staff_mfa
):
    with time_machine.travel(START, tick=False):
        sign_in(client, "editor@example.com", PASSWORD)
        client.post(CONFIRM_PASSWORD, {"password": PASSWORD})
        page = client.get(TOTP_SETUP)
        secret = page.context["form"].secret
        assertContains(page, secret)

        wrong = client.post(TOTP_SETUP, {"code": "000000"})
        assertContains(wrong, "Incorrect code.")
        set_up = client.post(TOTP_SETUP, {"code": code_at(secret)}, follow=True)

        assertContains(set_up, "Recovery Codes")
        assert Authenticator.objects.filter(user=editor, type="totp").exists()
        assert client.get("/admin/").status_code == 200


def test_staff_with_an_authenticator_give_its_code_after_the_password(client, editor, staff_mfa):
    secret = with_totp(editor)
    with time_machine.travel(START, tick=False) as clock:
        password_given = sign_in(client, "editor@example.com", PASSWORD)
        assert password_given["Location"] == CODE_PAGE
        # Not signed in yet: the admin sends back to the sign-in, which asks for the code.
        assert landing(client, "/admin/") == CODE_PAGE

        wrong = client.post(CODE_PAGE, {"code": "123456"})
        assertContains(wrong, "Incorrect code.")
        clock.shift(60)
        # A code from the last minute is no longer good.
        stale = client.post(CODE_PAGE, {"code": code_at(secret, -60)})
        assertContains(stale, "Incorrect code.")
        right = client.post(CODE_PAGE, {"code": code_at(secret)})

        assert right["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_the_setting_off_still_asks_staff_with_an_authenticator_for_its_code(client, editor):
    with_totp(editor)

    assert sign_in(client, "editor@example.com", PASSWORD)["Location"] == CODE_PAGE


def test_wrong_codes_are_throttled_per_account(client, editor, staff_mfa):
    secret = with_totp(editor)
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, "editor@example.com", PASSWORD)
        for n in range(5):
            assertContains(client.post(CODE_PAGE, {"code": f"00000{n}"}), "Incorrect code.")

        refused = client.post(CODE_PAGE, {"code": code_at(secret)})

        assertContains(refused, "Too many failed login attempts. Try again later.")
        assert client.get("/admin/").status_code == 302
        # From another client too: the count is the account's.
        other = Client(REMOTE_ADDR="198.51.100.20")
        sign_in(other, "editor@example.com", PASSWORD)
        clock.shift(30)
        elsewhere = other.post(CODE_PAGE, {"code": code_at(secret)})
        assertContains(elsewhere, "Too many failed login attempts. Try again later.")


def test_the_admins_log_out_signs_out_through_allauth_by_post_only(client, editor):
    sign_in(client, "editor@example.com", PASSWORD)

    client.get(reverse("admin:logout"))
    assert client.get("/admin/").status_code == 200
    signed_out = client.post(reverse("admin:logout"))

    assert signed_out["Location"] == "/"
    assert client.get("/admin/").status_code == 302


def test_a_staff_account_added_by_hand_verifies_its_address_at_its_first_sign_in(client):
    UserFactory(username="new-desk", email="new-desk@example.com", password=PASSWORD, is_staff=True)

    asked = sign_in(client, "new-desk@example.com", PASSWORD)

    assert asked["Location"] == "/accounts/confirm-email/"
    assert [message.to for message in mail.outbox] == [["new-desk@example.com"]]
    assert client.get("/admin/").status_code == 302


def test_an_admin_page_looks_the_second_factor_up_once(client, editor, settings):
    with_totp(editor)
    client.force_login(editor)
    client.get("/admin/articles/article/")

    def queries(staff_mfa):
        settings.LIFESCOPE_STAFF_MFA = staff_mfa
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/articles/article/").status_code == 200
        return len(captured)

    assert queries(staff_mfa=True) == queries(staff_mfa=False) + 1


def test_staff_without_a_second_factor_have_no_staff_powers_outside_the_admin(
    client, editor, staff_mfa
):
    """A stolen staff password alone reads no embargoed draft and publishes no comment."""
    draft = DraftArticleFactory(title="Embargoed until Monday")
    story = ArticleFactory()
    moderator = ModeratorFactory(email="moderator@example.com", password=PASSWORD)
    sign_in(client, "editor@example.com", PASSWORD)

    preview = client.get(draft.get_absolute_url())

    assert preview.status_code == 302
    assert "Embargoed" not in preview.content.decode()
    assert landing(client, draft.get_absolute_url()).startswith(CONFIRM_PASSWORD.split("?")[0])

    client.post("/accounts/logout/")
    sign_in(client, moderator.email, PASSWORD)
    posted = client.post(
        f"/articles/{story.slug}/comments/", comment_data(story, body="Published by a password.")
    )

    assert posted.status_code in (302, 303)
    assert not Comment.objects.filter(status=Comment.Status.APPROVED).exists()


def test_staff_without_a_second_factor_may_still_set_one_up_and_sign_out(client, editor, staff_mfa):
    sign_in(client, "editor@example.com", PASSWORD)

    assert client.post(CONFIRM_PASSWORD, {"password": PASSWORD})["Location"] == TOTP_SETUP
    assert client.get(TOTP_SETUP).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 200


def test_staff_reach_the_page_that_lists_their_passkeys(client, editor, staff_mfa):
    with_totp(editor)
    client.force_login(editor)

    listed = client.get("/accounts/2fa/webauthn/")

    assert listed.status_code == 200
    assertContains(listed, "Add")
