"""A reader changes their e-mail address on allauth's "E-mail addresses" page, as they would in
a browser: add the new address, follow the link mailed to it, make it primary. Comments then
know the account by the new address alone (comments.moderation.is_verified, reply e-mails)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from comments import services
from comments.models import Comment
from comments.moderation import is_verified
from tests.accounts.conftest import make_reader, sign_in
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ArticleFactory
from tests.reading import page

pytestmark = pytest.mark.django_db

OLD, NEW = "grace@example.com", "grace@new.example.com"
EMAIL_PAGE = "/accounts/email/"


@pytest.fixture
def grace():
    return make_reader(name="Grace Reader", email=OLD)


@pytest.fixture
def browser(grace):
    """Grace, signed in through the sign-in form."""
    client = Client()
    assert sign_in(client, OLD).status_code == 302
    return client


def submit(client, response, button, **fields):
    """Sends the form on `response` that has the button labelled `button`, as a browser does:
    its hidden inputs and ticked choices, then `fields` as the reader fills them in, and the
    name of the button pressed, if it has one."""
    forms = page(response).find_all("form")
    form = next(f for f in forms if any(b.text == button for b in f.find_all("button")))
    data = {
        field.attrs["name"]: field.attrs.get("value", "")
        for field in form.find_all("input")
        if field.attrs.get("type") == "hidden" or "checked" in field.attrs
    }
    pressed = next(b for b in form.find_all("button") if b.text == button)
    if "name" in pressed.attrs:
        data[pressed.attrs["name"]] = ""
    return client.post(form.attrs["action"], {**data, **fields}, follow=True)


def addresses(response):
    """The addresses the page lists, each with its badges: {"a@b.c": "Verified Primary"}."""
    listed = {}
    for label in page(response).find_all("label"):
        words = label.text.split()
        if words and "@" in words[0]:
            listed[words[0]] = " ".join(words[1:])
    return listed


def add_address(client, address):
    """Adds `address` on the e-mail page; returns the path of the link mailed to it."""
    mail.outbox.clear()
    added = submit(client, client.get(EMAIL_PAGE), "Add Email", email=address)
    assert added.status_code == 200
    (message,) = mail.outbox
    assert message.to == [address]
    return re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", message.body).group(1)


def change_address(client, address):
    """The whole change: add, follow the mailed link and confirm, make it primary."""
    link = add_address(client, address)
    submit(client, client.get(link), "Confirm")
    return submit(client, client.get(EMAIL_PAGE), "Make Primary", email=address)


# --- The change ------------------------------------------------------------------------------
def test_a_reader_changes_their_address_by_the_link_mailed_to_it(browser, grace):
    link = add_address(browser, NEW)
    waiting = addresses(browser.get(EMAIL_PAGE))
    confirm = browser.get(link)
    confirmed = submit(browser, confirm, "Confirm")
    made_primary = submit(browser, browser.get(EMAIL_PAGE), "Make Primary", email=NEW)
    account = page(browser.get("/accounts/profile/")).find("main").text

    assert waiting == {OLD: "Verified Primary", NEW: "Unverified"}
    assert confirm.status_code == 200
    assert f"Please confirm that {NEW} is an email address for user Grace Reader." in (
        page(confirm).find("main").text
    )
    assert confirmed.redirect_chain == [("/accounts/profile/", 302)]
    assert addresses(made_primary) == {OLD: "Verified", NEW: "Verified Primary"}
    assert f"You sign in as {NEW}." in account
    grace.refresh_from_db()
    assert grace.email == NEW
    assert is_verified(grace) is True


def test_the_comment_form_names_the_new_address_after_the_change(browser, grace):
    article = ArticleFactory()

    change_address(browser, NEW)
    browser.post(comments_url(article), comment_data(article, body="From my new address."))

    comment = Comment.objects.get(body="From my new address.")
    assert (comment.user, comment.email) == (grace, NEW)


def test_until_the_link_is_followed_the_new_address_cannot_be_made_primary(browser, grace):
    add_address(browser, NEW)

    refused = submit(browser, browser.get(EMAIL_PAGE), "Make Primary", email=NEW)

    assert "Your primary email address must be verified." in page(refused).text
    assert addresses(refused) == {OLD: "Verified Primary", NEW: "Unverified"}
    grace.refresh_from_db()
    assert grace.email == OLD
    assert is_verified(grace) is True


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("key", ["altered", "unknown"])
def test_a_forged_or_unknown_confirmation_key_says_so_and_changes_nothing(
    browser, grace, method, key
):
    link = add_address(browser, NEW)
    bad = link[:-6] + "xxxxx/" if key == "altered" else "/accounts/confirm-email/not-a-key/"

    response = getattr(browser, method)(bad)
    after = browser.get(EMAIL_PAGE)
    made_primary = submit(browser, after, "Make Primary", email=NEW)

    assert response.status_code == 400
    assert "This email confirmation link expired or is invalid." in page(response).text
    assert addresses(after) == {OLD: "Verified Primary", NEW: "Unverified"}
    assert addresses(made_primary) == {OLD: "Verified Primary", NEW: "Unverified"}
    grace.refresh_from_db()
    assert grace.email == OLD
    assert not EmailAddress.objects.get(email=NEW).verified


# --- Reply e-mails follow the account, not the address it once had ---------------------------
def test_reply_emails_go_to_the_new_address_and_never_to_the_old(
    browser, grace, mailoutbox, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="Harbour reopens")
    browser.post(
        comments_url(article),
        comment_data(article, body="Grace's first thoughts.", notify_replies="on"),
    )
    mine = Comment.objects.get(body="Grace's first thoughts.")
    services.approve(Comment.objects.filter(pk=mine.pk), notify=False)

    change_address(browser, NEW)
    Client().post(
        comments_url(article),
        comment_data(
            article, name="Bob", email="bob@example.com", body="I disagree.", parent=str(mine.pk)
        ),
        REMOTE_ADDR="198.51.100.9",
    )
    reply = Comment.objects.get(body="I disagree.")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Comment.objects.filter(pk=reply.pk), site_url="http://testserver/")

    to_grace = [m for m in mailoutbox if m.subject.startswith("New reply")]
    assert [m.to for m in to_grace] == [[NEW]]
    assert "Bob replied to your comment on “Harbour reopens”" in to_grace[0].body
    assert not [m for m in mailoutbox if OLD in m.to]
