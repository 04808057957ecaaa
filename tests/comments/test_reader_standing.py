"""A reader's standing decides how their comment starts: the policy's matrix (issue #18).

Blocked accounts are held, trusted ones (verified, with TRUSTED_AFTER_APPROVED comments
approved) published, and everyone else, signed in or not, goes through the rules anonymous
readers have always gone through.
"""

import pytest

from comments import services
from comments.models import BlockedReader, Comment
from comments.moderation import is_verified
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
)
from tests.reading import page

pytestmark = pytest.mark.django_db


def with_approved(user, count):
    """`user` with `count` approved comments under their account."""
    ApprovedCommentFactory.create_batch(count, user=user, email=user.email)
    return user


@pytest.fixture
def standings(verify):
    """Each standing a commenter can have, as who signs in (None: nobody)."""

    def blocked(user):
        BlockedReader.objects.create(user=user)
        return user

    return {
        "anonymous": lambda: None,
        "new reader": lambda: verify(with_approved(UserFactory(), 2)),
        "unverified reader": lambda: with_approved(UserFactory(), 3),
        "trusted reader": lambda: verify(with_approved(UserFactory(), 3)),
        "blocked trusted reader": lambda: blocked(verify(with_approved(UserFactory(), 3))),
        "moderator": lambda: ModeratorFactory(),
    }


TRUSTED = "auto-approved: trusted reader, at least 3 comments approved"


@pytest.mark.parametrize(
    ("standing", "status", "signals", "shown"),
    [
        ("anonymous", "pending", "", False),
        ("new reader", "pending", "", False),
        ("unverified reader", "pending", "", False),
        ("trusted reader", "approved", TRUSTED, True),
        ("blocked trusted reader", "pending", "held: account blocked", False),
        ("moderator", "approved", "auto-approved: posted by a moderator", True),
    ],
)
def test_how_a_comment_starts_by_its_writers_standing(
    client, post_comment, rules, standings, standing, status, signals, shown
):
    rules(TRUSTED_AFTER_APPROVED=3, AUTO_APPROVE_RETURNING=False, MODERATE_AFTER_DAYS=None)
    writer = standings[standing]()
    if writer is not None:
        client.force_login(writer)
    article = ArticleFactory()

    response = post_comment(article, body="Where I stand.", follow=True)

    comment = Comment.objects.get(body="Where I stand.")
    assert (comment.status, comment.signals) == (status, signals)
    article.refresh_from_db()
    assert article.comment_count == (1 if shown else 0)
    mine = page(response).find("li", id=f"comment-{comment.pk}")
    # A blocked reader is told what every reader whose comment waits is told: nothing more.
    assert ("It awaits moderation" in mine.text) is not shown
    assert "Where I stand." in mine.text


@pytest.mark.parametrize(
    ("standing", "status"),
    [
        ("anonymous", "approved"),
        ("new reader", "approved"),
        ("unverified reader", "approved"),
        ("trusted reader", "approved"),
        ("blocked trusted reader", "pending"),
        ("moderator", "approved"),
    ],
)
def test_young_articles_take_everyone_but_the_blocked_at_once(
    client, post_comment, rules, standings, standing, status
):
    rules(MODERATE_AFTER_DAYS=30)
    writer = standings[standing]()
    if writer is not None:
        client.force_login(writer)

    post_comment(ArticleFactory(), body="On a fresh story.")

    assert Comment.objects.get(body="On a fresh story.").status == status


@pytest.mark.parametrize("standing", ["anonymous", "new reader", "unverified reader"])
def test_spam_signals_hold_everyone_who_is_not_trusted(
    client, post_comment, rules, standings, standing
):
    rules(BLOCKLIST=["casino"])
    writer = standings[standing]()
    if writer is not None:
        client.force_login(writer)

    post_comment(ArticleFactory(), body="Visit my casino.")

    comment = Comment.objects.get(body="Visit my casino.")
    assert (comment.status, comment.signals) == ("spam", "blocked words: casino")


def test_a_trusted_reader_writing_spam_is_held_as_spam(client, post_comment, rules, standings):
    rules(BLOCKLIST=["casino"])
    client.force_login(standings["trusted reader"]())

    post_comment(ArticleFactory(), body="Visit my casino.")

    assert Comment.objects.get(body="Visit my casino.").status == "spam"


def test_a_blocked_account_is_held_and_the_moderator_sees_every_signal(
    client, post_comment, rules, standings
):
    rules(BLOCKLIST=["casino"])
    client.force_login(standings["blocked trusted reader"]())

    post_comment(ArticleFactory(), body="Visit my casino.")

    comment = Comment.objects.get(body="Visit my casino.")
    assert (comment.status, comment.signals) == (
        "pending",
        "held: account blocked; blocked words: casino",
    )


@pytest.mark.parametrize(("needed", "status"), [(2, "approved"), (4, "pending"), (0, "pending")])
def test_the_trust_threshold_is_a_setting(client, post_comment, rules, verify, needed, status):
    rules(TRUSTED_AFTER_APPROVED=needed)
    client.force_login(verify(with_approved(UserFactory(), 3)))

    post_comment(ArticleFactory(), body="Counting.")

    assert Comment.objects.get(body="Counting.").status == status


def test_only_approved_comments_earn_trust(client, post_comment, rules, verify):
    rules(TRUSTED_AFTER_APPROVED=3)
    reader = verify(with_approved(UserFactory(), 2))
    CommentFactory(user=reader)
    CommentFactory(user=reader, status=Comment.Status.REJECTED)
    CommentFactory(user=reader, status=Comment.Status.SPAM)
    client.force_login(reader)

    post_comment(ArticleFactory(), body="Still new.")

    assert Comment.objects.get(body="Still new.").status == "pending"


def test_a_new_reader_returning_is_treated_as_an_anonymous_reader_is(
    client, post_comment, rules, verify
):
    """AUTO_APPROVE_RETURNING publishes a reader whose comment from the same address and
    client was approved: for a reader not yet trusted, as for anyone. Approved comments of
    the account from elsewhere are not enough, as they would not be for an anonymous reader."""
    rules(AUTO_APPROVE_RETURNING=True, TRUSTED_AFTER_APPROVED=3)
    reader = verify(UserFactory(email="grace@example.com"))
    ApprovedCommentFactory(user=reader, email="grace@example.com", fingerprint="elsewhere")
    client.force_login(reader)

    post_comment(ArticleFactory(), body="From a new place.")
    first = Comment.objects.get(body="From a new place.")
    services.approve(Comment.objects.filter(pk=first.pk), notify=False)
    post_comment(ArticleFactory(), body="From the same place again.")

    assert first.status == "pending"
    again = Comment.objects.get(body="From the same place again.")
    assert (again.status, again.signals) == ("approved", "auto-approved: earlier comment approved")


def test_blocking_holds_new_comments_and_leaves_waiting_ones_waiting(
    client, post_comment, standings, moderator
):
    reader = standings["trusted reader"]()
    waiting = CommentFactory(user=reader)
    client.force_login(reader)
    post_comment(ArticleFactory(), body="Before the block.")

    blocked = services.block_readers(type(reader).objects.filter(pk=reader.pk), moderator)
    post_comment(ArticleFactory(), body="After the block.")
    waiting.refresh_from_db()

    assert blocked == 1
    assert Comment.objects.get(body="Before the block.").status == "approved"
    assert Comment.objects.get(body="After the block.").status == "pending"
    assert waiting.status == "pending"
    block = BlockedReader.objects.get()
    assert (block.user, block.blocked_by) == (reader, moderator)


def test_unblocking_restores_the_readers_standing(client, post_comment, standings):
    reader = standings["blocked trusted reader"]()
    client.force_login(reader)

    unblocked = services.unblock_readers(type(reader).objects.filter(pk=reader.pk))
    post_comment(ArticleFactory(), body="Welcome back.")

    assert unblocked == 1
    assert not BlockedReader.objects.exists()
    assert Comment.objects.get(body="Welcome back.").status == "approved"


def test_staff_accounts_are_not_blocked():
    staff, reader = StaffFactory(), UserFactory()

    blocked = services.block_readers(type(staff).objects.filter(pk__in=[staff.pk, reader.pk]))
    again = services.block_readers(type(staff).objects.filter(pk=reader.pk))

    assert (blocked, again) == (1, 0)
    assert list(BlockedReader.objects.values_list("user", flat=True)) == [reader.pk]


# --- The verification hook -----------------------------------------------------------------
def test_a_reader_counts_as_verified_once_allauth_has_verified_their_present_address(verify):
    reader = UserFactory(email="ada@example.com")
    assert is_verified(reader) is False

    verify(reader)
    assert is_verified(reader) is True

    reader.email = "ada@elsewhere.example.com"  # changed, not yet verified
    assert is_verified(reader) is False
    assert is_verified(StaffFactory()) is True
    assert is_verified(StaffFactory(email="")) is False


def test_a_reader_deleted_while_signed_in_comments_as_nobody_on_the_next_request(
    client, post_comment
):
    reader = UserFactory(first_name="Gone", last_name="Reader")
    article = ArticleFactory()
    client.force_login(reader)
    assert "Commenting as" in client.get(article.get_absolute_url()).content.decode()

    reader.delete()
    shown = client.get(article.get_absolute_url())
    # The form they still hold sends no name or address: refused, nothing stored.
    refused = post_comment(article, name="", email="", notify_replies="on")

    form = page(shown).find("form", id="comment-form")
    assert "Commenting as" not in form.text
    assert form.find("input", name="email") is not None
    assert refused.status_code == 400
    assert page(refused).find("input", name="name").attrs["aria-invalid"] == "true"
    assert not Comment.objects.exists()
