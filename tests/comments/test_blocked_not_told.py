"""A blocked reader is not told (README, "Posting comments"): their comment waits for a
moderator, and everything they see of it is what any reader whose comment waits sees.

Two readers, each with one comment approved by a moderator on an earlier story. The moderator
then blocks Grace from her comment's page. Both comment on today's story: Grace from the
client her approved comment came from, so that without the block she would be published at
once as a returning reader (AUTO_APPROVE_RETURNING); Ada, not yet trusted, from another one.
"""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.accounts.conftest import make_reader, sign_in
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ApprovedCommentFactory, ArticleFactory
from tests.reading import page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

CHANGELIST = reverse("admin:comments_comment_changelist")
WAITING = (
    "Thank you, your comment was received. "
    "It awaits moderation: only you can see it until a moderator approves it."
)


class Reader:
    """One reader in their own browser, and what they wrote, to tell their pages apart."""

    def __init__(self, name, email, address):
        self.name, self.email, self.address = name, email, address
        self.user = make_reader(name=name, email=email)
        self.browser = Client(REMOTE_ADDR=address)
        assert sign_in(self.browser, email).status_code == 302
        self.first = f"{name}'s first words."
        self.second = f"{name}'s words on today's story."

    def post(self, article, body, **extra):
        return self.browser.post(
            comments_url(article), comment_data(article, body=body), follow=True, **extra
        )

    def normalised(self, response):
        """The page with what is this reader's own replaced by placeholders: their name,
        address, words and comment ids; and what differs on every request, tokens and times."""
        html = response.content.decode()
        own = Comment.objects.filter(user=self.user).order_by("created", "id")
        for n, comment in enumerate(own, 1):
            html = re.sub(rf"comment-{comment.pk}\b", f"comment-OWN{n}", html)
        for mine, placeholder in [
            (self.second, "SECOND"),
            (self.first, "FIRST"),
            (self.name, "READER"),
            (self.email, "EMAIL"),
        ]:
            html = html.replace(mine, placeholder).replace(mine.replace("'", "&#39;"), placeholder)
        html = re.sub(r'(name="(?:csrfmiddlewaretoken|token)" value=)"[^"]*"', r'\1"TOKEN"', html)
        return re.sub(r"<time[^>]*>[^<]*</time>", "<time>TIME</time>", html)


@pytest.fixture
def stories(rules):
    """An earlier story and today's, on which a not yet trusted reader's comment waits."""
    rules(AUTO_APPROVE_RETURNING=True, MODERATE_AFTER_DAYS=None, TRUSTED_AFTER_APPROVED=3)
    today = ArticleFactory(title="Harbour reopens")
    ApprovedCommentFactory(article=today, name="Bob", body="Bob's published comment.")
    return ArticleFactory(title="Ferry timetable"), today


@pytest.fixture
def readers(stories, moderator):
    """Grace and Ada, each with a comment approved on the earlier story; Grace blocked by
    the moderator from her comment's page."""
    earlier, _ = stories
    grace = Reader("Grace Reader", "grace@example.com", "203.0.113.7")
    ada = Reader("Ada Lovelace", "ada@example.com", "203.0.113.8")
    for reader in (grace, ada):
        reader.post(earlier, reader.first)
    desk = Client()
    desk.force_login(moderator)
    firsts = Comment.objects.filter(body__in=[grace.first, ada.first])
    desk.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [c.pk for c in firsts]},
    )
    hers = Comment.objects.get(body=grace.first)
    change = reverse("admin:comments_comment_change", args=[hers.pk])
    blocked = desk.post(change, {"status": "approved", "_block_author": "1"}, follow=True)
    assert "Blocked 1 account(s)." in page(blocked).text
    assert set(firsts.values_list("status", flat=True)) == {"approved"}
    mail.outbox.clear()
    return grace, ada


@pytest.fixture
def posted(stories, readers):
    """Both readers comment on today's story, Ada from a client she has not used before;
    returns, for each, the landing after posting."""
    _, today = stories
    grace, ada = readers
    return {
        "grace": grace.post(today, grace.second),
        "ada": ada.post(today, ada.second, REMOTE_ADDR="198.51.100.20"),
    }


def test_the_blocked_readers_comment_is_held_for_a_moderator_and_shown_to_nobody(
    stories, readers, posted
):
    _, today = stories
    grace, ada = readers

    held = Comment.objects.get(body=grace.second)
    stranger = page(Client(REMOTE_ADDR="192.0.2.1").get(today.get_absolute_url())).text
    other_reader = page(ada.browser.get(today.get_absolute_url())).text

    assert (held.status, held.signals) == ("pending", "held: account blocked")
    assert Comment.objects.get(body=ada.second).status == "pending"
    today.refresh_from_db()
    assert today.comment_count == 1
    assert "Bob's published comment." in stranger
    assert grace.second not in stranger
    assert grace.second not in other_reader
    assert ada.second in other_reader
    assert not [m for m in mail.outbox if grace.email in m.to]


def test_the_blocked_reader_lands_where_any_waiting_reader_lands(stories, readers, posted):
    _, today = stories
    grace, ada = readers
    mine = {
        name: Comment.objects.get(body=reader.second)
        for name, reader in {"grace": grace, "ada": ada}.items()
    }

    for name in ("grace", "ada"):
        landed = posted[name]
        assert landed.redirect_chain == [
            (f"{today.get_absolute_url()}#comment-{mine[name].pk}", 302)
        ]
        shown = page(landed).find("li", id=f"comment-{mine[name].pk}")
        assert "comment--pending" in shown.classes
        assert shown.find(class_="comment__received").text == WAITING
        assert "private" in landed["Cache-Control"]
    assert grace.normalised(posted["grace"]) == ada.normalised(posted["ada"])


def test_the_blocked_readers_article_page_matches_an_ordinary_waiting_readers(
    stories, readers, posted
):
    _, today = stories
    grace, ada = readers

    pages = {reader: reader.browser.get(today.get_absolute_url()) for reader in (grace, ada)}

    assert grace.second in page(pages[grace]).find("li", class_="comment--pending").text
    assert grace.normalised(pages[grace]) == ada.normalised(pages[ada])


def test_my_comments_says_awaiting_moderation_as_for_any_waiting_reader(readers, posted):
    grace, ada = readers

    listings = {reader: reader.browser.get("/accounts/comments/") for reader in (grace, ada)}

    statuses = [
        status.text
        for status in page(listings[grace]).find_all("span", class_="my-comment__status")
    ]
    assert statuses == ["Awaiting moderation", "Published"]
    assert grace.normalised(listings[grace]) == ada.normalised(listings[ada])


def test_no_page_the_blocked_reader_sees_mentions_a_block(stories, readers, posted):
    _, today = stories
    grace, _ = readers

    seen = [
        posted["grace"],
        grace.browser.get(today.get_absolute_url()),
        grace.browser.get("/accounts/comments/"),
        grace.browser.get("/accounts/profile/"),
    ]

    for response in seen:
        assert response.status_code == 200
        assert not re.search(r"block", response.content.decode(), re.IGNORECASE)
