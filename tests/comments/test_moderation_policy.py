"""Each anti-abuse rule of the moderation policy, seen from the reader's side."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from comments.forms import form_token
from comments.models import Comment
from comments.moderation import policy
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    EditorFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
)
from tests.reading import page

pytestmark = pytest.mark.django_db


def test_a_filled_honeypot_is_refused_and_nothing_stored(post_comment):
    response = post_comment(ArticleFactory(), website="https://spam.example")

    assert response.status_code == 400
    page = response.content.decode()
    assert "the field labelled “Leave this field empty” was filled in" in page
    assert "spam.example" not in page
    assert not Comment.objects.exists()


def test_the_honeypot_is_hidden_from_people_but_labelled(client):
    page = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert '<div class="comment-form__trap" aria-hidden="true">' in page
    assert 'name="website" autocomplete="off" tabindex="-1"' in page


def test_a_form_sent_back_too_fast_is_refused(post_comment, rules):
    rules(MIN_SECONDS_TO_SUBMIT=5)
    article = ArticleFactory()
    just_now = form_token(article, now=timezone.now() - timedelta(seconds=2))

    response = post_comment(article, token=just_now)

    assert response.status_code == 400
    assert "That was quicker than we expected." in response.content.decode()
    assert not Comment.objects.exists()


def test_an_expired_form_must_be_reloaded(post_comment, rules):
    rules(FORM_MAX_AGE_SECONDS=3600)
    article = ArticleFactory()

    response = post_comment(article, token=form_token(article, timezone.now() - timedelta(hours=2)))

    assert response.status_code == 400
    assert "This form has expired." in response.content.decode()


def test_too_many_links_hold_the_comment_as_spam(post_comment, rules, client):
    rules(MAX_LINKS=2)
    article = ArticleFactory()

    response = post_comment(
        article,
        body="See https://a.example.com and http://b.example.org and c.example.com/page",
        follow=True,
    )

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.signals == "3 links (limit 2)"
    # The sender is told what any reader is told; spammers learn nothing.
    assert "It awaits moderation" in response.content.decode()


def test_links_up_to_the_limit_wait_for_moderation(post_comment, rules):
    rules(MAX_LINKS=2)
    post_comment(ArticleFactory(), body="See https://a.example.com and https://b.example.com")
    assert Comment.objects.get().status == Comment.Status.PENDING


@pytest.mark.parametrize(
    ("fields", "signal"),
    [
        ({"body": "Best CASINO bonus today"}, "blocked words: casino"),
        ({"body": "Need a Payday Loan? Ask me"}, "blocked words: payday loan"),
        ({"name": "Casino King"}, "blocked words: casino"),
    ],
)
def test_blocklisted_words_hold_the_comment_as_spam(post_comment, rules, fields, signal):
    rules(BLOCKLIST=["casino", "payday loan"])

    post_comment(ArticleFactory(), **fields)

    comment = Comment.objects.get()
    assert (comment.status, comment.signals) == (Comment.Status.SPAM, signal)


def test_blocklist_matches_whole_words_only(post_comment, rules):
    rules(BLOCKLIST=["casino"])
    post_comment(ArticleFactory(), body="The casinos of Monaco closed.")
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_the_same_comment_twice_is_stored_once_and_received_both_times(post_comment):
    article = ArticleFactory()

    first = post_comment(article, body="Exactly these words.")
    again = post_comment(article, body="Exactly these words.", address="192.0.2.50")
    other_article = post_comment(ArticleFactory(), body="Exactly these words.")

    assert (first.status_code, again.status_code, other_article.status_code) == (302, 302, 302)
    comment = Comment.objects.get(article=article)
    assert again["Location"] == first["Location"] == comment.get_absolute_url()


def test_articles_close_automatically_after_n_days(post_comment, rules):
    rules(CLOSE_AFTER_DAYS=14)
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=15))
    recent = ArticleFactory(published_at=timezone.now() - timedelta(days=13))

    closed, open_ = post_comment(old), post_comment(recent)

    assert closed.status_code == 403
    assert "Comments close 14 days after publication" in closed.content.decode()
    assert open_.status_code == 302
    assert list(Comment.objects.values_list("article", flat=True)) == [recent.pk]


def test_no_automatic_closing_when_switched_off(post_comment, rules):
    rules(CLOSE_AFTER_DAYS=None)
    assert (
        post_comment(ArticleFactory(published_at=timezone.now() - timedelta(days=900))).status_code
        == 302
    )


def test_returning_commenters_are_published_at_once_when_enabled(post_comment, rules, client):
    rules(AUTO_APPROVE_RETURNING=True)
    article = ArticleFactory()
    post_comment(article, body="My first comment")
    Comment.objects.update(status=Comment.Status.APPROVED)

    response = post_comment(article, body="My second comment", follow=True)

    second = Comment.objects.get(body="My second comment")
    assert second.status == Comment.Status.APPROVED
    assert second.signals == "auto-approved: earlier comment approved"
    assert response.redirect_chain == [(second.get_absolute_url(), 302)]
    shown = page(response).find("li", id=f"comment-{second.pk}")
    assert "My second comment" in shown.text
    assert "awaits moderation" not in shown.text


def test_a_borrowed_address_from_another_client_is_not_auto_approved(post_comment, rules):
    rules(AUTO_APPROVE_RETURNING=True)
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, email="ada@example.com", fingerprint="elsewhere")

    post_comment(article, email="ada@example.com", body="Pretending to be Ada")

    assert Comment.objects.get(body="Pretending to be Ada").status == Comment.Status.PENDING


def test_returning_commenters_still_wait_when_the_setting_is_off(post_comment, rules):
    rules(AUTO_APPROVE_RETURNING=False)
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, email="ada@example.com")
    post_comment(article, body="Second")
    assert Comment.objects.get(body="Second").status == Comment.Status.PENDING


def test_spam_signals_win_over_auto_approval(post_comment, rules):
    rules(AUTO_APPROVE_RETURNING=True, MODERATE_AFTER_DAYS=30, BLOCKLIST=["casino"])
    post_comment(ArticleFactory(), body="casino casino")
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_moderation_can_be_limited_to_older_articles(post_comment, rules):
    rules(MODERATE_AFTER_DAYS=3)
    fresh = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    older = ArticleFactory(published_at=timezone.now() - timedelta(days=4))

    post_comment(fresh, body="On the fresh one")
    post_comment(older, body="On the older one")

    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {"On the fresh one": "approved", "On the older one": "pending"}
    fresh.refresh_from_db()
    assert fresh.comment_count == 1


def test_behind_our_proxies_each_reader_has_their_own_fingerprint(settings, rf):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    one = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="10.0.0.1")
    same = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="10.0.0.2")
    other = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.2", REMOTE_ADDR="10.0.0.1")
    forged = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.2", REMOTE_ADDR="203.0.113.9")

    assert policy.client_fingerprint(one) == policy.client_fingerprint(same)
    assert policy.client_fingerprint(one) != policy.client_fingerprint(other)
    # Not from our proxy: the header is the client's own claim and is ignored.
    assert policy.client_fingerprint(forged) == policy.client_fingerprint(
        rf.get("/", REMOTE_ADDR="203.0.113.9")
    )


def test_readers_without_an_email_address_are_not_each_others_duplicates():
    article = ArticleFactory()
    first = UserFactory(email="")
    Comment.objects.create(
        article=article, user=first, name="First", email="", body="Thanks!", fingerprint="a" * 64
    )
    second = Comment(
        article=article,
        user=UserFactory(email=""),
        name="Second",
        email="",
        body="Thanks!",
        fingerprint="b" * 64,
    )
    assert policy.earlier_copy(second) is None


@pytest.fixture
def commenters(db):
    holder = UserFactory()
    holder.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    return {
        "moderator": ModeratorFactory(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "editor": EditorFactory(),
        "staff": StaffFactory(),
        "reader holding the permission": holder,  # not staff: not a moderator of this site
        "reader": UserFactory(),
    }


@pytest.mark.parametrize(
    ("who", "published"),
    [
        ("moderator", True),
        ("superuser", True),
        ("editor", False),
        ("staff", False),
        ("reader holding the permission", False),
        ("reader", False),
    ],
)
def test_a_moderators_own_comment_is_published_at_once(
    client, post_comment, commenters, who, published
):
    article = ArticleFactory()
    client.force_login(commenters[who])

    response = post_comment(article, body="Written from the newsroom", follow=True)

    comment = Comment.objects.get()
    article.refresh_from_db()
    page = response.content.decode()
    if published:
        assert (comment.status, comment.signals) == (
            Comment.Status.APPROVED,
            "auto-approved: posted by a moderator",
        )
        assert article.comment_count == 1
        assert "Written from the newsroom" in page
        assert "It awaits moderation" not in page
    else:
        assert (comment.status, comment.signals) == (Comment.Status.PENDING, "")
        assert article.comment_count == 0
        assert "It awaits moderation" in page


def test_a_moderator_is_trusted_with_words_that_hold_a_readers_comment(
    client, post_comment, rules, commenters
):
    rules(BLOCKLIST=["casino"])
    client.force_login(commenters["moderator"])

    post_comment(ArticleFactory(), body="The casino on the pier reopens.")

    assert Comment.objects.get().status == Comment.Status.APPROVED
