"""A client's two budgets per window: comments posted, and attempts refused for a mistake.

A reader who mistypes spends nothing of what they may post; a client that floods, with valid or
invalid posts, is answered 429, told when to come back, and keeps the words it sent.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from comments.forms import form_token
from comments.models import Comment, RateLimitWindow
from comments.moderation import policy
from tests.factories import ApprovedCommentFactory, ArticleFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PER_PROCESS = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def rules(rules):
    """The budgets as shipped, or as a test changes them: `rules(RATE_LIMIT_POSTS=2)`."""
    rules(RATE_LIMIT_POSTS=5, RATE_LIMIT_REFUSALS=30, RATE_LIMIT_SECONDS=600)
    return rules


def fixable_mistakes(article):
    """What a person gets wrong now and then: each is refused with a form error."""
    return [
        {"body": "x"},
        {"name": ""},
        {"email": "ada@example"},
        {"token": form_token(article, now=timezone.now() - timedelta(seconds=1))},
        {"token": form_token(article, now=timezone.now() - timedelta(days=3))},
        {"website": "autofilled"},
    ]


def test_mistakes_a_reader_can_fix_spend_none_of_their_posts(post_comment, rules):
    article = ArticleFactory()

    refused = [
        post_comment(article, **mistake).status_code for mistake in fixable_mistakes(article)
    ]
    posted = [post_comment(article, body=f"Comment number {n}").status_code for n in range(5)]

    assert refused == [400] * 6
    assert posted == [302] * 5
    assert Comment.objects.count() == 5


def test_the_sixth_post_is_refused_with_the_readers_words_kept_in_the_form(post_comment, rules):
    article = ArticleFactory(title="Harbour reopens")
    parent = ApprovedCommentFactory(article=article, name="Bob")
    for n in range(5):
        post_comment(article, body=f"Comment number {n}")

    response = post_comment(
        article,
        name="Ada Lovelace",
        email="ada@lovelace.example",
        body="My sixth & <b>best</b> thought",
        parent=str(parent.pk),
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assertContains(response, "<h1>Please slow down</h1>", status_code=429, html=True)
    assertContains(
        response,
        "<p>You have posted 5 comments in the last 10 minutes, as many as one reader may. "
        "You can send your comment again in 10 minutes.</p>",
        status_code=429,
        html=True,
    )
    assertContains(
        response,
        '<textarea name="body" cols="40" rows="6" maxlength="3000" required'
        ' aria-describedby="id_body_helptext" id="id_body">'
        "My sixth &amp; &lt;b&gt;best&lt;/b&gt; thought</textarea>",
        status_code=429,
        html=True,
    )
    assertContains(
        response,
        '<input type="text" name="name" value="Ada Lovelace" maxlength="80" required id="id_name">',
        status_code=429,
        html=True,
    )
    assertContains(
        response,
        '<input type="email" name="email" value="ada@lovelace.example" maxlength="254" required'
        ' aria-describedby="id_email_helptext" id="id_email">',
        status_code=429,
        html=True,
    )
    assertContains(
        response,
        f'<input type="hidden" name="parent" value="{parent.pk}" id="id_parent">',
        status_code=429,
        html=True,
    )
    assertContains(
        response, '<h2 class="comment-form__title">Reply to Bob</h2>', status_code=429, html=True
    )
    # Nothing is wrong with what they wrote: no error is shown.
    assertNotContains(response, 'class="errorlist', status_code=429)
    assert list(
        Comment.objects.filter(article=article).exclude(pk=parent.pk).values_list("body", flat=True)
    ) == [f"Comment number {n}" for n in range(5)]


def test_valid_posts_beyond_the_budget_are_refused_and_other_clients_still_post(
    post_comment, rules
):
    rules(RATE_LIMIT_POSTS=3)
    article = ArticleFactory()

    statuses = [post_comment(article, body=f"Comment number {n}").status_code for n in range(5)]
    other_client = post_comment(article, body="From elsewhere", address="192.0.2.99")

    assert statuses == [302, 302, 302, 429, 429]
    assert other_client.status_code == 302
    assert Comment.objects.count() == 4


def test_a_flood_of_invalid_posts_ends_in_429_and_then_blocks_valid_ones(post_comment, rules):
    rules(RATE_LIMIT_REFUSALS=4)
    article = ArticleFactory()

    flood = [post_comment(article, body="x").status_code for _ in range(6)]
    valid = post_comment(article, body="A real comment at last")
    other_client = post_comment(article, body="From elsewhere", address="192.0.2.99")

    assert flood == [400, 400, 400, 400, 429, 429]
    assert valid.status_code == 429
    assert valid["Retry-After"] == "600"
    assertContains(
        valid,
        "<p>More than 4 comments from your connection could not be posted in the last "
        "10 minutes. You can send your comment again in 10 minutes.</p>",
        status_code=429,
        html=True,
    )
    assertContains(valid, "A real comment at last</textarea>", status_code=429)
    assert other_client.status_code == 302
    assert list(Comment.objects.values_list("body", flat=True)) == ["From elsewhere"]


def test_the_refusal_that_ends_a_flood_still_shows_what_to_correct(post_comment, rules):
    rules(RATE_LIMIT_REFUSALS=1)
    article = ArticleFactory()
    post_comment(article, email="nope")

    response = post_comment(article, email="still-nope", body="Kept words")

    assert response.status_code == 429
    assertContains(response, "Enter a valid email address.", status_code=429)
    assertContains(response, "Kept words</textarea>", status_code=429)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("budget", "limit"), [("posts", "RATE_LIMIT_POSTS"), ("refusals", "RATE_LIMIT_REFUSALS")]
)
def test_each_budget_is_renewed_when_its_window_ends(settings, rules, budget, limit):
    settings.CACHES = PER_PROCESS  # counted in the database, whose clock the test can move
    rules(**{limit: 2})
    spend = policy.count_post if budget == "posts" else policy.count_refusal
    waits = []
    for seconds_later in (0, 1, 599, 600, 601, 602):
        with time_machine.travel(START + timedelta(seconds=seconds_later), tick=False):
            waits.append(spend("client-a") is not None)

    assert waits == [False, False, True, False, False, True]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    ],
)
def test_a_cache_that_cannot_count_for_every_process_leaves_it_to_the_database(
    post_comment, rules, settings, tmp_path, backend
):
    # Each gunicorn worker would count alone (or, with files, lose counts between read and
    # write): `make serve` took 13 of 30 posts at a limit of 5.
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": str(tmp_path / "cache")}}
    article = ArticleFactory()

    post_comment(article, body="Accepted")
    post_comment(article, body="x")

    assert dict(RateLimitWindow.objects.values_list("budget", "attempts")) == {
        "posts": 1,
        "refusals": 1,
    }
