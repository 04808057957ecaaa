"""Reply e-mails and their unsubscribe links (comments/replies.py), as readers meet them."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.utils import timezone

from comments import moderation, replies, services
from comments.models import Comment, ReplySubscription
from editorial.preview import preview_url
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    DraftArticleFactory,
    EditorFactory,
    ModeratorFactory,
    UserFactory,
)
from tests.reading import page

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Runs `action` with its on-commit callbacks; returns what it mailed to `to` (or all)."""

    def run(action, to=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return [m for m in mail.outbox if to is None or m.to == [to]]

    return run


@pytest.fixture
def article():
    return ArticleFactory(title="Harbour reopens", author=EditorFactory(email="desk@example.com"))


@pytest.fixture
def grace(verify):
    return verify(UserFactory(first_name="Grace", last_name="Hopper", email="grace@example.com"))


@pytest.fixture
def subscribed(client, post_comment, grace, article):
    """Grace's comment on the article, published, with "E-mail me when someone replies"
    ticked. Returns it; the client is signed out again."""
    client.force_login(grace)
    post_comment(article, body="Grace's first thoughts.", notify_replies="on")
    client.logout()
    comment = Comment.objects.get(body="Grace's first thoughts.")
    services.approve(Comment.objects.filter(pk=comment.pk), notify=False)
    return comment


def reply_to(comment, **fields):
    """A pending reply to `comment` from someone else."""
    reply = Comment(
        article=comment.article,
        parent=comment,
        name=fields.pop("name", "Bob"),
        email=fields.pop("email", "bob@example.com"),
        body=fields.pop("body", "I disagree, politely."),
        **fields,
    )
    reply.derive_fields()
    reply.save()
    return reply


def approve(*comments):
    services.approve(Comment.objects.filter(pk__in=[c.pk for c in comments]))


def unsubscribe_link(message):
    return message.extra_headers["List-Unsubscribe"].strip("<>")


# --- The checkbox ----------------------------------------------------------------------------
def form_of(response):
    return page(response).find("form", id="comment-form")


def test_the_box_is_offered_unticked_to_signed_in_readers_with_an_address(client, article):
    client.force_login(UserFactory(email="ada@example.com"))

    form = form_of(client.get(article.get_absolute_url()))

    box = form.find("input", name="notify_replies")
    assert box.attrs["type"] == "checkbox" and "checked" not in box.attrs
    label = form.find("label", **{"for": "id_notify_replies"})
    assert label.text == "E-mail me when someone replies"


@pytest.mark.parametrize("who", ["anonymous", "reader without an address"])
def test_no_box_for_readers_we_could_not_write_to(client, article, who):
    if who != "anonymous":
        client.force_login(UserFactory(email=""))

    form = form_of(client.get(article.get_absolute_url()))

    assert form.find("input", name="notify_replies") is None


def test_ticking_the_box_subscribes_the_reader_to_the_article_once(
    client, post_comment, grace, article
):
    client.force_login(grace)
    post_comment(article, body="One.", notify_replies="on")
    post_comment(article, body="Two.", notify_replies="on")
    post_comment(ArticleFactory(), body="Three, unticked.")

    assert list(ReplySubscription.objects.values_list("user", "article")) == [
        (grace.pk, article.pk)
    ]


def test_an_anonymous_reader_cannot_subscribe(post_comment, article):
    response = post_comment(article, notify_replies="on")

    assert response.status_code == 302
    assert not ReplySubscription.objects.exists()


def test_the_box_stays_ticked_when_the_form_comes_back_with_errors(client, post_comment, grace):
    client.force_login(grace)

    response = post_comment(ArticleFactory(), body="x", notify_replies="on")

    assert response.status_code == 400
    assert "checked" in form_of(response).find("input", name="notify_replies").attrs
    assert not ReplySubscription.objects.exists()


# --- The e-mail ------------------------------------------------------------------------------
def test_a_reply_approved_by_a_moderator_mails_the_subscriber(client, subscribed, mailed, article):
    reply = reply_to(subscribed, name="Bob", body="I disagree, politely.")
    client.force_login(ModeratorFactory())

    sent = mailed(
        lambda: client.post(
            CHANGELIST,
            {"action": "approve_selected", "_selected_action": [reply.pk]},
            secure=True,
        ),
        to="grace@example.com",
    )

    assert len(sent) == 1
    message = sent[0]
    assert message.subject == "New reply to your comment on “Harbour reopens”"
    link = unsubscribe_link(message)
    assert link.startswith("https://testserver/comments/unsubscribe/")
    assert message.body == (
        "Bob replied to your comment on “Harbour reopens”:\n\n"
        "I disagree, politely.\n"
        f"https://testserver/articles/{article.slug}/#comment-{reply.pk}\n\n"
        "You asked to hear of replies to your comments on this article; we write at most once "
        f"in 24 hours.\nStop these e-mails: {link}\n"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_a_reply_published_at_once_mails_the_subscriber(client, post_comment, subscribed, mailed):
    client.force_login(ModeratorFactory(first_name="Mo", last_name="Derator"))

    sent = mailed(
        lambda: post_comment(subscribed.article, body="Thanks, Grace.", parent=subscribed.pk),
        to="grace@example.com",
    )

    reply = Comment.objects.get(body="Thanks, Grace.")
    assert len(sent) == 1
    assert sent[0].body.startswith(
        "Mo Derator replied to your comment on “Harbour reopens”:\n\nThanks, Grace.\n"
        f"http://testserver/articles/{reply.article.slug}/#comment-{reply.pk}\n"
    )
    assert unsubscribe_link(sent[0]).startswith("http://testserver/comments/unsubscribe/")


def test_the_canonical_site_address_makes_the_links(subscribed, mailed, settings):
    settings.COMMENTS = {**settings.COMMENTS, "SITE_URL": "https://news.example.com"}
    reply = reply_to(subscribed)

    (message,) = mailed(lambda: approve(reply), to="grace@example.com")

    assert f"https://news.example.com/articles/{reply.article.slug}/#comment-{reply.pk}\n" in (
        message.body
    )
    assert unsubscribe_link(message).startswith("https://news.example.com/comments/unsubscribe/")


def test_nothing_is_mailed_while_a_reply_waits_or_when_it_is_hidden(subscribed, mailed):
    reply, spam = reply_to(subscribed), reply_to(subscribed, body="Other words.")

    waiting = mailed(lambda: None)
    hidden = mailed(
        lambda: (
            services.reject(Comment.objects.filter(pk=reply.pk)),
            services.mark_spam(Comment.objects.filter(pk=spam.pk)),
        )
    )

    assert (waiting, hidden) == ([], [])


def test_no_mail_for_a_readers_reply_to_their_own_comment(subscribed, grace, mailed):
    own = reply_to(subscribed, user=grace, name="Grace Hopper", email=grace.email)

    sent = mailed(lambda: approve(own))

    assert [m.to for m in sent] == [["desk@example.com"]]  # the article's author only


def test_replies_to_other_readers_comments_do_not_mail_the_subscriber(subscribed, mailed):
    someone_else = ApprovedCommentFactory(article=subscribed.article, name="Cleo")
    reply = reply_to(someone_else)

    assert mailed(lambda: approve(reply), to="grace@example.com") == []


def test_replies_to_any_of_the_readers_comments_on_the_article_count(
    client, post_comment, subscribed, grace, mailed
):
    # Her second comment there, posted without ticking the box: the article is one thread.
    client.force_login(grace)
    post_comment(subscribed.article, body="A second point.")
    client.logout()
    second = Comment.objects.get(body="A second point.")
    approve(second)
    reply = reply_to(second)

    assert len(mailed(lambda: approve(reply), to="grace@example.com")) == 1


def test_replies_approved_together_make_one_mail(subscribed, mailed):
    first = reply_to(subscribed, name="Bob", body="First reply.")
    second = reply_to(subscribed, name="Cleo", body="Second reply.")

    sent = mailed(lambda: approve(first, second), to="grace@example.com")

    assert len(sent) == 1
    assert sent[0].subject == "New replies to your comment on “Harbour reopens”"
    assert sent[0].body.index("First reply.") < sent[0].body.index("Second reply.")


def test_at_most_one_mail_per_article_a_day(client, post_comment, subscribed, grace, mailed):
    other_article = ArticleFactory(title="Storm warning")
    client.force_login(grace)
    post_comment(other_article, body="On the storm.", notify_replies="on")
    client.logout()
    on_storm = Comment.objects.get(body="On the storm.")
    approve(on_storm)
    start = timezone.now()

    def received(at, comment):
        with time_machine.travel(at, tick=False):
            reply = reply_to(comment, body=f"Reply at {at:%H:%M:%S}")
            return len(mailed(lambda: approve(reply), to="grace@example.com"))

    assert received(start, subscribed) == 1
    assert received(start + timedelta(hours=23, minutes=59), subscribed) == 0
    # Another thread has a day of its own.
    assert received(start + timedelta(hours=23, minutes=59), on_storm) == 1
    assert received(start + timedelta(days=1), subscribed) == 1
    assert received(start + timedelta(days=1, hours=1), subscribed) == 0


@pytest.mark.parametrize(
    "standing", ["unverified", "new address unverified", "inactive", "no address", "unsubscribed"]
)
def test_readers_we_may_not_write_to_get_nothing(subscribed, grace, mailed, standing, monkeypatch):
    if standing == "unverified":
        monkeypatch.setattr(moderation, "is_verified", lambda user: False)
    elif standing == "new address unverified":
        grace.email = "grace@new.example.com"
        grace.save()
    elif standing == "inactive":
        grace.is_active = False
        grace.save()
    elif standing == "no address":
        grace.email = ""
        grace.save()
    else:
        ReplySubscription.objects.all().delete()
    reply = reply_to(subscribed)

    assert [m for m in mailed(lambda: approve(reply)) if m.to != ["desk@example.com"]] == []


def test_the_mail_goes_to_the_accounts_address_not_the_one_on_the_comment(
    subscribed, grace, mailed, verify
):
    grace.email = "grace@new.example.com"
    grace.save()
    verify(grace)
    reply = reply_to(subscribed)

    sent = mailed(lambda: approve(reply))

    assert [m.to for m in sent if m.to != ["desk@example.com"]] == [["grace@new.example.com"]]


# --- Unsubscribing ---------------------------------------------------------------------------
@pytest.fixture
def link(subscribed, mailed):
    """The unsubscribe address from Grace's e-mail, as a path."""
    (message,) = mailed(lambda: approve(reply_to(subscribed)), to="grace@example.com")
    return unsubscribe_link(message).removeprefix("http://testserver")


def test_opening_the_link_asks_and_changes_nothing(link, article):
    response = Client().get(link)

    assert response.status_code == 200
    shown = page(response)
    assert shown.find("h1").text == "Stop e-mails about replies?"
    assert "replies to your comments on Harbour reopens" in shown.find("main").text
    assert shown.find("form", method="post").find("button").text == "Stop e-mails about replies"
    assert ReplySubscription.objects.filter(article=article).exists()


def test_the_button_unsubscribes_without_signing_in(link, article, grace):
    other = ReplySubscription.objects.create(user=UserFactory(), article=article)
    elsewhere = ReplySubscription.objects.create(user=grace, article=ArticleFactory())

    response = Client(enforce_csrf_checks=True).post(link)

    assert response.status_code == 200
    assert page(response).find("h1").text == "You are unsubscribed"
    assert set(ReplySubscription.objects.all()) == {other, elsewhere}
    again = Client().get(link)
    assert page(again).find("h1").text == "You get no e-mails about replies here"


def test_a_mail_clients_one_click_post_unsubscribes(link):
    # RFC 8058: the mail client posts this body to the List-Unsubscribe address, no cookies.
    response = Client(enforce_csrf_checks=True).post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert not ReplySubscription.objects.exists()


def test_no_more_mail_after_unsubscribing(link, subscribed, mailed):
    Client().post(link)
    later = timezone.now() + timedelta(days=2)

    with time_machine.travel(later, tick=False):
        reply = reply_to(subscribed)
        assert mailed(lambda: approve(reply), to="grace@example.com") == []


def test_the_unsubscribe_page_is_never_cached(link, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}

    responses = [Client().get(link) for _ in range(2)]

    assert "comments:unsubscribe" not in settings.PAGE_CACHE["VIEWS"]
    for response in responses:
        assert "X-Page-Cache" not in response
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store", "no-cache"} <= cache_control
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_withdrawn_article_is_not_named_on_the_page(link, article):
    article.status = article.Status.DRAFT
    article.save()

    response = Client().get(link)

    assert response.status_code == 200
    assert "Harbour reopens" not in response.content.decode()
    assert "replies to your comments on this article" in page(response).find("main").text


def forged_links(link):
    token = link.removeprefix("/comments/unsubscribe/").rstrip("/")
    value, _, signature = token.rpartition(":")
    other_salt = signing.TimestampSigner(salt="editorial.preview-link")
    return {
        "altered signature": f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "cut short": token[:-5],
        "signed for something else": signing.TimestampSigner(salt="nope").sign_object(
            {"user": 1, "article": 1}
        ),
        "signed as a preview link": other_salt.sign_object({"user": 1, "article": 1}),
        "a preview link": preview_url(DraftArticleFactory()).rstrip("/").rsplit("/", 1)[-1],
        "garbage": "not-a-token",
        "only a colon": ":",
    }


FORGERIES = [
    "altered signature",
    "cut short",
    "signed for something else",
    "signed as a preview link",
    "a preview link",
    "garbage",
    "only a colon",
]


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_link_is_refused_and_changes_nothing(link, forgery, method):
    token = forged_links(link)[forgery]
    before = list(ReplySubscription.objects.values_list("pk", "last_sent_at"))

    response = getattr(Client(), method)(f"/comments/unsubscribe/{token}/")

    assert response.status_code == 400
    assert page(response).find("h1").text == "This unsubscribe link is not valid"
    assert list(ReplySubscription.objects.values_list("pk", "last_sent_at")) == before
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused_and_changes_nothing(link, method):
    max_age = settings.COMMENTS["UNSUBSCRIBE_LINK_MAX_AGE"]

    with time_machine.travel(timezone.now() + timedelta(seconds=max_age + 60)):
        response = getattr(Client(), method)(link)

    assert response.status_code == 410
    assert page(response).find("h1").text == "This unsubscribe link has expired"
    assert ReplySubscription.objects.count() == 1


def test_a_link_still_works_until_it_expires(link):
    max_age = settings.COMMENTS["UNSUBSCRIBE_LINK_MAX_AGE"]

    with time_machine.travel(timezone.now() + timedelta(seconds=max_age - 60)):
        response = Client().post(link)

    assert response.status_code == 200
    assert not ReplySubscription.objects.exists()


def test_the_token_names_the_reader_and_the_article(grace, article):
    token = replies.unsubscribe_path(grace.pk, article.pk).split("/")[-2]

    assert replies.subscription_for(token) == (grace.pk, article.pk)


# --- Faults ------------------------------------------------------------------------------------
def test_with_redis_down_signed_in_readers_comment_subscribe_and_are_mailed(
    client, post_comment, grace, article, mailed, redis_unreachable
):
    client.force_login(grace)
    response = post_comment(article, body="Redis is away.", notify_replies="on")
    comment = Comment.objects.get(body="Redis is away.")
    approve(comment)

    sent = mailed(lambda: approve(reply_to(comment)), to="grace@example.com")

    assert response.status_code == 302
    assert ReplySubscription.objects.filter(user=grace, article=article).exists()
    assert len(sent) == 1


@pytest.fixture
def smtp_down(monkeypatch):
    """Every e-mail the site sends fails, as with the mail server away, until `up()`: while
    sending, or already when connecting if `at` says so. `during`, when set, runs while a send
    is under way."""

    class Outage:
        at = "sending"
        during = None

        def up(self):
            monkeypatch.undo()

    outage = Outage()

    def send_messages(backend, messages):
        if outage.during:
            outage.during()
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def open(backend):
        if outage.at == "connecting":
            raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(EmailBackend, "open", open)
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return outage


@pytest.mark.parametrize("at", ["connecting", "sending"])
def test_a_reply_mail_that_fails_to_go_leaves_the_days_mail_for_the_next_reply(
    subscribed, mailed, smtp_down, at
):
    smtp_down.at = at
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        lost = reply_to(subscribed, body="Said while the mail server was away.")
        assert mailed(lambda: approve(lost), to="grace@example.com") == []
    smtp_down.up()

    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        later = reply_to(subscribed, body="Said once it was back.")
        sent = mailed(lambda: approve(later), to="grace@example.com")

    assert len(sent) == 1
    assert "Said once it was back." in sent[0].body
    assert ReplySubscription.objects.get().last_sent_at == start + timedelta(minutes=10)


def test_a_failed_send_does_not_undo_a_mail_another_approval_sent_meanwhile(
    subscribed, mailed, smtp_down
):
    start = timezone.now()
    elsewhere = start + timedelta(seconds=1)
    # Another worker's approval takes the subscription's mail while this send is failing.
    smtp_down.during = lambda: ReplySubscription.objects.update(last_sent_at=elsewhere)

    with time_machine.travel(start, tick=False):
        mailed(lambda: approve(reply_to(subscribed)))

    assert ReplySubscription.objects.get().last_sent_at == elsewhere
