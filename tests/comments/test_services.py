"""approve(), reject(), mark_spam() and delete(): exact counts, cache purges and e-mail."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from comments import services
from comments.models import Comment
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    EditorFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def count_of(article):
    article.refresh_from_db()
    return article.comment_count


def only(comment):
    return Comment.objects.filter(pk=comment.pk)


def test_approve_counts_each_comment_once(django_capture_on_commit_callbacks):
    article = ArticleFactory()
    comments = [CommentFactory(article=article) for _ in range(3)]
    moderator = ModeratorFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.approve(Comment.objects.all(), moderator=moderator)
    again = services.approve(Comment.objects.all(), moderator=moderator)

    assert (first, again) == (3, 0)
    assert count_of(article) == 3
    comments[0].refresh_from_db()
    assert comments[0].moderated_by == moderator
    assert comments[0].moderated_at <= timezone.now()


@pytest.mark.parametrize(
    ("action", "status"), [(services.reject, "rejected"), (services.mark_spam, "spam")]
)
def test_hiding_an_approved_comment_takes_it_off_the_count(action, status):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article)
    CommentFactory(article=article)

    changed = action(Comment.objects.all())

    assert changed == 2
    assert count_of(article) == 0
    assert list(Comment.objects.values_list("status", flat=True)) == [status, status]


def test_moving_between_hidden_states_leaves_the_count_alone():
    article = ArticleFactory()
    ApprovedCommentFactory(article=article)
    spam = CommentFactory(article=article, status=Comment.Status.SPAM)

    services.reject(only(spam))

    assert count_of(article) == 1


def test_counts_move_per_article_in_a_mixed_batch():
    one, two = ArticleFactory(), ArticleFactory()
    CommentFactory(article=one), CommentFactory(article=one), CommentFactory(article=two)

    services.approve(Comment.objects.all())

    assert (count_of(one), count_of(two)) == (2, 1)


def test_deleting_a_comment_takes_its_approved_replies_off_the_count():
    article = ArticleFactory()
    top = ApprovedCommentFactory(article=article)
    reply = ApprovedCommentFactory(article=article, parent=top)
    ApprovedCommentFactory(article=article, parent=reply)
    CommentFactory(article=article, parent=top)  # pending reply, never counted
    keeper = ApprovedCommentFactory(article=article)

    deleted = services.delete(only(top))

    assert deleted == 4
    assert list(Comment.objects.all()) == [keeper]
    assert count_of(article) == 1


def test_a_waiting_comment_mails_every_moderator_and_nobody_else(
    post_comment, django_capture_on_commit_callbacks
):
    ModeratorFactory(email="mod.one@lifescope.example")
    ModeratorFactory(email="mod.two@lifescope.example")
    ModeratorFactory(email="")  # no address: skipped
    ModeratorFactory(email="gone@lifescope.example", is_active=False)
    EditorFactory(email="editor@lifescope.example")
    StaffFactory(email="staff@lifescope.example")
    reader_with_perm = UserFactory(email="not.staff@example.com")
    reader_with_perm.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    article = ArticleFactory(title="Harbour reopens")

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(article, email="victim@example.com", body="Please approve me")

    assert sorted(address for m in mail.outbox for address in m.to) == [
        "mod.one@lifescope.example",
        "mod.two@lifescope.example",
    ]
    message = mail.outbox[0]
    assert message.subject == "Comment awaiting moderation: Harbour reopens"
    assert "Please approve me" in message.body
    assert "/admin/comments/comment/?status__exact=pending" in message.body
    assert "victim@example.com" not in {a for m in mail.outbox for a in m.to + m.cc + m.bcc}


def test_spam_and_auto_approved_comments_do_not_mail_moderators(
    post_comment, settings, django_capture_on_commit_callbacks
):
    ModeratorFactory(email="mod@lifescope.example")
    settings.COMMENTS = {**settings.COMMENTS, "BLOCKLIST": ["casino"]}

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(ArticleFactory(), body="casino")

    assert mail.outbox == []


def test_approval_mails_the_articles_author_once_per_article(django_capture_on_commit_callbacks):
    author = EditorFactory(email="author@lifescope.example")
    article = ArticleFactory(author=author, title="Harbour reopens")
    CommentFactory(article=article, name="Ada", body="First reader")
    CommentFactory(article=article, name="Bob", body="Second reader", email="bob@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Comment.objects.all())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["author@lifescope.example"]
    assert message.subject == "New comments on “Harbour reopens”"
    assert "Ada: First reader" in message.body and "Bob: Second reader" in message.body
    assert f"/articles/{article.slug}/#comment-" in message.body


def test_nothing_is_mailed_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    CommentFactory(article=ArticleFactory(author=EditorFactory(email="a@lifescope.example")))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve(Comment.objects.all())

    assert callbacks and mail.outbox == []


def test_submit_derives_the_html_and_status():
    article = ArticleFactory()
    comment = Comment(article=article, name="Ada", email="a@example.com", body="Hi <b>there</b>")

    services.submit(comment)

    comment.refresh_from_db()
    assert comment.body_html == "<p>Hi &lt;b&gt;there&lt;/b&gt;</p>"
    assert comment.status == Comment.Status.PENDING
    assert comment.get_absolute_url() == f"/articles/{article.slug}/#comment-{comment.pk}"
    assert str(comment) == f"Ada on {article.title}"


# --- Links in e-mails: absolute, at the address the site was reached at ------------------------
@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Runs `action` with its on-commit callbacks; returns the bodies of what it mailed."""

    def run(action):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return [message.body for message in mail.outbox]

    return run


def approve_in_bulk(client, comment):
    client.post(
        "/admin/comments/comment/",
        {"action": "approve_selected", "_selected_action": [comment.pk]},
        secure=True,
    )


def approve_on_its_page(client, comment):
    client.post(
        f"/admin/comments/comment/{comment.pk}/change/", {"status": "approved"}, secure=True
    )


@pytest.mark.parametrize("approve", [approve_in_bulk, approve_on_its_page])
def test_e_mails_link_to_the_address_the_site_was_reached_at(client, post_comment, mailed, approve):
    moderator = ModeratorFactory(email="mod@lifescope.example")
    article = ArticleFactory(author=EditorFactory(email="author@lifescope.example"))

    to_moderators = mailed(lambda: post_comment(article, body="Please approve me"))
    comment = Comment.objects.get()
    client.force_login(moderator)
    to_author = mailed(lambda: approve(client, comment))

    assert len(to_moderators) == 1
    assert (
        "Approve, reject or mark it as spam: "
        "http://testserver/admin/comments/comment/?status__exact=pending\n"
    ) in to_moderators[0]
    assert len(to_author) == 1
    assert f"https://testserver/articles/{article.slug}/#comment-{comment.pk}\n" in to_author[0]


def test_a_comment_published_at_once_mails_its_absolute_address(client, post_comment, mailed):
    article = ArticleFactory(author=EditorFactory(email="author@lifescope.example"))
    client.force_login(ModeratorFactory())

    to_author = mailed(lambda: post_comment(article, body="From the newsroom"))

    comment = Comment.objects.get()
    assert to_author == [
        "Published on your article:\n\n"
        f"{comment.name}: From the newsroom\n"
        f"http://testserver/articles/{article.slug}/#comment-{comment.pk}\n"
    ]


def test_the_canonical_site_address_wins_when_it_is_set(client, post_comment, mailed, settings):
    settings.COMMENTS = {**settings.COMMENTS, "SITE_URL": "https://news.example.com/"}
    moderator = ModeratorFactory(email="mod@lifescope.example")
    article = ArticleFactory(author=EditorFactory(email="author@lifescope.example"))

    to_moderators = mailed(lambda: post_comment(article, body="Please approve me"))
    comment = Comment.objects.get()
    client.force_login(moderator)
    to_author = mailed(lambda: approve_in_bulk(client, comment))

    assert (
        "Approve, reject or mark it as spam: "
        "https://news.example.com/admin/comments/comment/?status__exact=pending\n"
    ) in to_moderators[0]
    assert (
        f"https://news.example.com/articles/{article.slug}/#comment-{comment.pk}\n" in to_author[0]
    )
