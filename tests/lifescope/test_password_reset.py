"""Readers and staff reset a forgotten password by e-mail, through django-allauth's pages, and no
answer tells whether an address has an account (README, "Staff sign-in")."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import resolve, reverse
from pytest_django.asserts import assertContains

from tests.factories import EditorFactory, UserFactory
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "the-password-i-forgot"
NEW_PASSWORD = "copper kettle on the windowsill"
RESET_URL = "/accounts/password/reset/"
DONE_URL = "/accounts/password/reset/done/"
LINK = re.compile(r"https?://[^/\s]+/accounts/password/reset/key/[^/\s]+/")
BAD_LINK = "The password reset link was invalid"


@pytest.fixture
def editor():
    return EditorFactory(username="editor", email="editor@example.com", password=OLD_PASSWORD)


def ask_for_reset(client, email, **extra):
    return client.post(RESET_URL, {"email": email}, **extra)


def reset_link(message):
    return LINK.search(message.body).group(0)


def choose(client, form_url, password):
    return client.post(form_url, {"password1": password, "password2": password})


def test_the_sign_in_page_offers_a_password_reset(client):
    assertContains(client.get(reverse("account_login")), f'href="{RESET_URL}"')


def test_the_admin_has_no_reset_pages_of_its_own(client):
    # Any /admin/ address leads a signed-out visitor to the one sign-in, which offers the reset.
    response = client.get("/admin/password_reset/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_a_staff_member_resets_a_forgotten_password_by_email(client, editor):
    asked = ask_for_reset(client, "Editor@Example.com")

    assert (asked.status_code, asked["Location"]) == (302, DONE_URL)
    assert [message.to for message in mail.outbox] == [["editor@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "[Lifescope News] Password Reset Email"
    link = reset_link(message)
    assert link.startswith("http://testserver/accounts/password/reset/key/")

    # The link leads to a form on an address without the key (allauth keeps it in the session).
    opened = client.get(link, follow=True)
    form_url = opened.redirect_chain[-1][0]
    assert form_url.endswith("-set-password/")
    # Django's validators judge the new password.
    assertContains(choose(client, form_url, "password"), "This password is too common.")
    editor.refresh_from_db()
    assert editor.check_password(OLD_PASSWORD)

    chosen = choose(client, form_url, NEW_PASSWORD)

    assert chosen.status_code == 302
    assertContains(client.get(chosen["Location"]), "Your password is now changed.")
    assert sign_in(Client(), "editor@example.com", OLD_PASSWORD).status_code == 200
    assert sign_in(client, "editor@example.com", NEW_PASSWORD)["Location"] == "/admin/"
    # A link works once.
    assertContains(client.get(link, follow=True), BAD_LINK, status_code=400)


def test_the_link_names_the_address_the_site_was_reached_at(client, editor, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]

    ask_for_reset(client, "editor@example.com", secure=True, HTTP_HOST="news.example.com")

    assert reset_link(mail.outbox[0]).startswith(
        "https://news.example.com/accounts/password/reset/key/"
    )


@pytest.mark.parametrize("account", ["no account", "inactive"])
def test_an_address_without_a_resettable_account_gets_the_same_answer_and_no_email(
    client, editor, account
):
    if account == "inactive":
        UserFactory(email="someone@example.com", is_active=False, is_staff=True)

    for_editor = ask_for_reset(client, "editor@example.com")
    for_someone = ask_for_reset(Client(), "someone@example.com")

    assert (for_someone.status_code, for_someone["Location"]) == (
        for_editor.status_code,
        for_editor["Location"],
    )
    done_for_editor = client.get(for_editor["Location"])
    done_for_someone = Client().get(for_someone["Location"])
    assert done_for_someone.content == done_for_editor.content
    assert [message.to for message in mail.outbox] == [["editor@example.com"]]


def test_known_and_unknown_addresses_take_the_same_path_until_the_response(
    rf, editor, django_assert_num_queries
):
    """The account is looked up and the e-mail sent only after the response has gone out, so
    its timing cannot tell an attacker that the address has an account."""
    view = resolve(RESET_URL).func
    answers = {}
    for email in ("editor@example.com", "nobody@example.com"):
        request = rf.post(RESET_URL, {"email": email})
        request._dont_enforce_csrf_checks = True
        request.session, request.user = SessionStore(), AnonymousUser()
        with django_assert_num_queries(0):
            answers[email] = view(request)
        assert mail.outbox == []

    # As the test client does, so that the test's transaction keeps its connection.
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)

    assert [response.status_code for response in answers.values()] == [302, 302]
    assert [message.to for message in mail.outbox] == [["editor@example.com"]]


def test_an_expired_link_is_refused_and_changes_nothing(client, editor, settings):
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as clock:
        ask_for_reset(client, "editor@example.com")
        link = reset_link(mail.outbox[0])
        clock.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))

        opened = client.get(link, follow=True)

    assertContains(opened, BAD_LINK, status_code=400)
    assert "password1" not in opened.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(OLD_PASSWORD)


def test_a_reset_link_lasts_an_hour_by_default(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/key/1-not-a-token/",
        "/accounts/password/reset/key/zzzzzzzzzzzzzzzzzzzz-abc-123/",
        "/accounts/password/reset/key/" + "A" * 500 + "-abc-123/",
        "/accounts/password/reset/key/1-set-password/",
    ],
)
def test_a_forged_link_gets_a_clear_refusal_and_changes_nothing(client, editor, path):
    opened = client.get(path, follow=True)
    posted = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assertContains(opened, BAD_LINK, status_code=400)
    assertContains(opened, f'<a href="{RESET_URL}">new password reset</a>', status_code=400)
    assertContains(posted, BAD_LINK, status_code=400)
    editor.refresh_from_db()
    assert editor.check_password(OLD_PASSWORD)


def test_one_address_gets_only_a_few_emails_however_often_it_is_asked_for(client, editor):
    answers = [
        ask_for_reset(Client(REMOTE_ADDR=f"198.51.100.{n}"), "editor@example.com")
        for n in range(1, 7)
    ]

    # Any address, with an account or without, is paused alike after three.
    assert [r.status_code for r in answers] == [302, 302, 302, 429, 429, 429]
    assert len(mail.outbox) == 3


def test_one_client_asking_for_many_addresses_is_told_to_wait(client, editor):
    for n in range(10):
        assert ask_for_reset(client, f"someone-{n}@example.com").status_code == 302

    refused = ask_for_reset(client, "editor@example.com")

    assertContains(refused, "<h1>Too many requests</h1>", html=True, status_code=429)
    assert mail.outbox == []


def test_a_reset_lifts_the_accounts_sign_in_lockout(client, editor):
    for n in range(5):
        sign_in(client, "editor@example.com", f"guess-{n}")
    assert sign_in(client, "editor@example.com", OLD_PASSWORD).status_code == 429

    ask_for_reset(client, "editor@example.com")
    form_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    choose(client, form_url, NEW_PASSWORD)

    assert sign_in(Client(), "editor@example.com", NEW_PASSWORD)["Location"] == "/admin/"
