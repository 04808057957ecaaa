"""Guessing passwords at the one sign-in (allauth's form, which the admin's login page sends to):
django-axes refuses sign-in after a few failures, per account and per client, for a cool-off,
with a page that says what happened and when to try again."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.factories import EditorFactory
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-editor-password"
# The defaults (LIFESCOPE_LOGIN_FAILURE_LIMIT, LIFESCOPE_LOGIN_COOLOFF_MINUTES).
LIMIT = 5
COOL_OFF = timedelta(minutes=15)
START = "2026-03-02 09:00 +0000"


WRONG_PASSWORD = "The email address and/or password you specified are not correct."


@pytest.fixture
def editor():
    return EditorFactory(username="editor", email="editor@example.com", password=PASSWORD)


def is_signed_in(client):
    return client.get(reverse("admin:index")).status_code == 200


def assert_refused(response):
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_the_defaults_allow_a_few_attempts_then_pause_for_a_quarter_of_an_hour(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME == COOL_OFF


def test_twelve_wrong_passwords_are_refused_once_the_limit_is_reached(client, editor):
    answers = [sign_in(client, "editor@example.com", f"guess-{n}") for n in range(12)]

    # Below the limit: the ordinary form, saying the password was wrong.
    for response in answers[: LIMIT - 1]:
        assert response.status_code == 200
        assert WRONG_PASSWORD in response.content.decode()
    # The failure that reaches it, and every try after it: the lock-out page.
    for response in answers[LIMIT - 1 :]:
        assert_refused(response)


def test_the_right_password_does_not_get_in_during_the_lockout(client, editor):
    for n in range(LIMIT):
        sign_in(client, "editor@example.com", f"guess-{n}")

    response = sign_in(client, "editor@example.com", PASSWORD)

    assert_refused(response)
    assert not is_signed_in(client)


def test_one_client_trying_many_accounts_is_stopped_for_every_account(client, editor):
    # A password spray: one guess each at many names, from one address.
    for n in range(LIMIT):
        sign_in(client, f"someone-{n}@example.com", "Summer2026!")

    from_the_sprayer = sign_in(client, "editor@example.com", PASSWORD)
    from_elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    elsewhere = sign_in(from_elsewhere, "editor@example.com", PASSWORD)

    assert_refused(from_the_sprayer)
    assert elsewhere.status_code == 302
    assert is_signed_in(from_elsewhere)


def test_many_clients_guessing_one_account_lock_that_account(client, editor, settings):
    # Behind our balancer: the client is whom the balancer names in X-Forwarded-For.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    EditorFactory(username="colleague", email="colleague@example.com", password=PASSWORD)
    for n in range(LIMIT):
        sign_in(
            client,
            "editor@example.com",
            f"guess-{n}",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )

    fresh_client = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "192.0.2.77"}
    to_the_account = sign_in(Client(), "editor@example.com", PASSWORD, **fresh_client)
    colleague = Client()
    to_another_account = sign_in(colleague, "colleague@example.com", PASSWORD, **fresh_client)

    assert_refused(to_the_account)
    # The balancer's own address was never blamed: other accounts still sign in through it.
    assert to_another_account.status_code == 302


def test_a_client_cannot_escape_its_count_by_naming_other_addresses(client, editor):
    # Not one of our proxies: what it writes in X-Forwarded-For is its own invention.
    for n in range(LIMIT):
        sign_in(
            client,
            f"someone-{n}@example.com",
            "Summer2026!",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )

    response = sign_in(
        client,
        "editor@example.com",
        PASSWORD,
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )

    assert_refused(response)


def test_sign_in_works_again_once_the_cool_off_has_passed(client, editor):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(LIMIT):
            sign_in(client, "editor@example.com", f"guess-{n}")
        clock.shift(COOL_OFF - timedelta(seconds=5))
        still_refused = sign_in(client, "editor@example.com", PASSWORD)
        clock.shift(timedelta(seconds=10))
        after = sign_in(client, "editor@example.com", PASSWORD)

    assert_refused(still_refused)
    assert after.status_code == 302
    assert after["Location"] == "/admin/"


def test_tries_during_the_lockout_do_not_extend_it(client, editor):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(LIMIT):
            sign_in(client, "editor@example.com", f"guess-{n}")
        clock.shift(COOL_OFF - timedelta(minutes=1))
        assert_refused(sign_in(client, "editor@example.com", "one-more-guess"))
        clock.shift(timedelta(minutes=2))
        after = sign_in(client, "editor@example.com", PASSWORD)

    assert after.status_code == 302


def test_the_lockout_page_says_what_happened_and_when_to_try_again(client, editor):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(LIMIT):
            sign_in(client, "editor@example.com", f"guess-{n}")
        clock.shift(timedelta(minutes=5))
        response = sign_in(client, "editor@example.com", PASSWORD)

    assert response.status_code == 429
    # The lock-out began at 09:00 and lasts the cool-off: ten minutes are left.
    assert response["Retry-After"] == "600"
    assert response["Cache-Control"].startswith("max-age=0")
    assertContains(
        response, "<title>Sign-in paused — Lifescope News</title>", html=True, status_code=429
    )
    assertContains(
        response,
        "<p>Too many failed sign-in attempts were made for this account or from your "
        "connection, so signing in is paused for 15 minutes to protect the account.</p>",
        html=True,
        status_code=429,
    )
    assertContains(
        response,
        "<p>You can try again after <strong>09:15 UTC</strong>. Until then every attempt is "
        "refused, even with the right password.</p>",
        html=True,
        status_code=429,
    )
    assertContains(
        response,
        '<p><a href="/accounts/password/reset/">Reset your password by e-mail</a></p>',
        html=True,
        status_code=429,
    )


def test_a_successful_sign_in_clears_the_accounts_failures(client, editor):
    for n in range(LIMIT - 1):
        sign_in(client, "editor@example.com", f"guess-{n}")
    assert sign_in(client, "editor@example.com", PASSWORD).status_code == 302
    client.post(reverse("account_logout"))

    for n in range(LIMIT - 1):
        response = sign_in(client, "editor@example.com", f"guess-again-{n}")

    assert response.status_code == 200
    assert sign_in(client, "editor@example.com", PASSWORD).status_code == 302


def test_signing_in_to_ones_own_account_does_not_clear_guesses_at_another(client, editor):
    EditorFactory(username="insider", email="insider@example.com", password=PASSWORD)
    for n in range(LIMIT - 1):
        sign_in(client, "editor@example.com", f"guess-{n}")
    assert sign_in(Client(), "insider@example.com", PASSWORD).status_code == 302

    response = sign_in(client, "editor@example.com", "one-more-guess")

    # Otherwise anyone with an account could guess at a colleague's for ever, a few tries
    # between each of their own sign-ins.
    assert_refused(response)


def test_the_lockout_holds_while_redis_is_unreachable(client, editor, redis_unreachable):
    for n in range(LIMIT):
        sign_in(client, "editor@example.com", f"guess-{n}")

    assert_refused(sign_in(client, "editor@example.com", PASSWORD))
    redis_unreachable.end()
    assert_refused(sign_in(client, "editor@example.com", PASSWORD))


def test_every_spelling_of_an_address_counts_against_its_one_account(client, editor):
    spellings = [
        "editor@example.com",
        "EDITOR@example.com",
        "Editor@Example.COM",
        " editor@example.com",
    ]
    for n, spelling in enumerate(spellings + ["editor@EXAMPLE.com"]):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), spelling, f"guess-{n}")

    assert_refused(sign_in(Client(REMOTE_ADDR="192.0.2.9"), "editor@example.com", PASSWORD))
