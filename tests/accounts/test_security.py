"""What the accounts' doors give away and take: no answer tells whether an address has an
account, sessions are rotated, passwords checked, links from e-mails checked, floods refused."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.accounts.conftest import PASSWORD, make_reader, sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def signup(client, email, password="a-long-unusual-phrase", name="Ada"):
    return client.post(
        "/accounts/signup/",
        {"name": name, "email": email, "password1": password, "password2": password},
        follow=True,
    )


def answer(response):
    """What the reader is shown: the final address and the page's main text, with the address
    they typed taken out."""
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)
    return (
        response.redirect_chain,
        response.status_code,
        re.sub(r"[\w.+-]+@example\.com", "@", main),
    )


def test_signing_up_with_a_taken_address_answers_as_a_new_one_does(mailoutbox):
    make_reader(email="taken@example.com")

    taken = signup(Client(), "taken@example.com")
    new = signup(Client(), "new@example.com")

    assert answer(taken) == answer(new)
    assert User.objects.filter(email="taken@example.com").count() == 1
    # The owner of the taken address is told someone tried; the new address gets its link.
    assert {m.to[0] for m in mailoutbox} == {"taken@example.com", "new@example.com"}


def test_a_reset_answers_the_same_for_any_address(mailoutbox):
    make_reader(email="known@example.com")

    known = Client().post("/accounts/password/reset/", {"email": "known@example.com"}, follow=True)
    unknown = Client().post(
        "/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )

    assert answer(known) == answer(unknown)


def test_a_failed_sign_in_answers_the_same_for_any_address():
    make_reader(email="known@example.com")

    known = Client().post("/accounts/login/", {"login": "known@example.com", "password": "wrong"})
    unknown = Client().post(
        "/accounts/login/", {"login": "nobody@example.com", "password": "wrong"}
    )

    assert known.status_code == unknown.status_code == 200
    assert answer_form_errors(known) == answer_form_errors(unknown)


def answer_form_errors(response):
    return re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )


def test_signing_in_gives_a_new_session_key(reader):
    client = Client()
    session = client.session  # the visitor has a session before signing in
    session["before"] = True
    session.save()
    before = session.session_key

    sign_in(client, reader.email)

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("83920174635", "entirely numeric"),
        ("ada@example.com", "too similar"),
    ],
)
def test_sign_up_passwords_pass_djangos_validators(client, password, complaint):
    response = signup(client, "ada@example.com", password=password)

    assert complaint in response.content.decode()
    assert not User.objects.filter(email="ada@example.com").exists()


def verification_link(mail):
    return re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", mail.body).group(1)


def test_the_verification_link_in_the_e_mail_verifies_and_signs_in(client, mailoutbox):
    signup(client, "ada@example.com")
    link = verification_link(mailoutbox[-1])
    assert link.startswith("/accounts/confirm-email/")

    response = Client().post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ada@example.com").verified


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_verification_link_says_so_with_a_400_and_verifies_nothing(
    client, mailoutbox, method
):
    signup(client, "ada@example.com")
    link = verification_link(mailoutbox[-1])
    forged = link[:-6] + "xxxxx/"

    response = getattr(Client(), method)(forged)

    assert response.status_code == 400
    assert "expired or is invalid" in response.content.decode()
    assert not EmailAddress.objects.get(email="ada@example.com").verified


def test_an_expired_verification_link_says_so_with_a_400_and_verifies_nothing(client, mailoutbox):
    signup(client, "ada@example.com")
    link = verification_link(mailoutbox[-1])

    days = allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    with time_machine.travel(timezone.now() + timedelta(days=days, hours=1)):
        response = Client().post(link)

    assert response.status_code == 400
    assert not EmailAddress.objects.get(email="ada@example.com").verified


def reset_link(mail):
    return re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.body).group(1)


def test_a_reset_link_works_once_with_djangos_validators(reader, mailoutbox):
    Client().post("/accounts/password/reset/", {"email": reader.email})
    link = reset_link(mailoutbox[-1])
    client = Client()
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0]

    weak = client.post(action, {"password1": "password", "password2": "password"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    done = client.post(action, {"password1": "new-long-phrase-9", "password2": "new-long-phrase-9"})
    assert done.status_code == 302
    reader.refresh_from_db()
    assert reader.check_password("new-long-phrase-9")

    again = Client().get(link)
    assert again.status_code == 400


@pytest.mark.parametrize("when", ["forged", "expired"])
def test_a_forged_or_expired_reset_link_says_so_with_a_400_and_changes_nothing(
    reader, mailoutbox, when
):
    Client().post("/accounts/password/reset/", {"email": reader.email})
    link = reset_link(mailoutbox[-1])
    if when == "forged":
        link = link[:-6] + "xxxxx/"
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)

    with time_machine.travel(later if when == "expired" else timezone.now()):
        response = Client().get(link, follow=True)
        post = Client().post(
            link, {"password1": "new-long-phrase-9", "password2": "new-long-phrase-9"}
        )

    assert response.status_code == 400 and post.status_code == 400
    assert "invalid" in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


def test_a_sign_up_flood_from_one_client_is_refused(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/h/ip"}
    answers = [
        signup(Client(REMOTE_ADDR="198.51.100.7"), f"flood{n}@example.com").status_code
        for n in range(5)
    ]

    assert answers == [200, 200, 200, 429, 429]
    assert User.objects.count() == 3
    assert signup(Client(REMOTE_ADDR="198.51.100.8"), "other@example.com").status_code == 200


def test_sign_up_floods_are_counted_per_reader_behind_our_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}

    def from_reader(address, email):
        proxied = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)
        return signup(proxied, email).status_code

    assert from_reader("198.51.100.7", "one@example.com") == 200
    assert from_reader("198.51.100.8", "two@example.com") == 200
    assert from_reader("198.51.100.7", "three@example.com") == 429
