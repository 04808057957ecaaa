"""Readers post comments: what they see, what is stored, and what is refused."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from comments.models import Comment
from tests import reading
from tests.comments.conftest import comment_data, comments_url
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    DraftArticleFactory,
    ScheduledArticleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_reader_posts_and_lands_on_their_comment(post_comment):
    article = ArticleFactory()

    response = post_comment(article, name="Ada Reader", body="First line\nsecond line")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.slug}/#comment-{comment.pk}"
    assert (comment.article, comment.name, comment.email) == (
        article,
        "Ada Reader",
        "ada@example.com",
    )
    assert comment.body == "First line\nsecond line"
    assert comment.status == Comment.Status.PENDING
    assert comment.user is None
    assert list(get_messages(response.wsgi_request)) == []  # the confirmation is in place


def test_the_address_and_client_are_stored_as_a_hash_never_the_ip(post_comment):
    article = ArticleFactory()

    post_comment(article, address="198.51.100.23")

    comment = Comment.objects.get()
    assert "198.51.100.23" not in comment.fingerprint
    assert len(comment.fingerprint) == 64
    assert comment.user_agent == ""


def test_a_signed_in_reader_only_types_the_comment(client, post_comment):
    reader = UserFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    client.force_login(reader)
    article = ArticleFactory()

    form_page = client.get(article.get_absolute_url()).content.decode()
    post_comment(article, name="Someone Else", email="forged@example.com", body="Signed in.")

    assert "Commenting as <strong>Grace Hopper</strong>" in form_page
    assert 'name="email"' not in form_page and 'name="name"' not in form_page
    comment = Comment.objects.get()
    assert (comment.user, comment.name, comment.email) == (
        reader,
        "Grace Hopper",
        "grace@example.com",
    )


def test_a_reply_to_an_approved_comment_is_stored_under_it(post_comment):
    parent = ApprovedCommentFactory()

    response = post_comment(parent.article, parent=str(parent.pk), body="I agree with you.")

    assert response.status_code == 302
    reply = Comment.objects.get(body="I agree with you.")
    assert (reply.parent, reply.depth, reply.status) == (parent, 1, Comment.Status.PENDING)


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_replying_to_a_comment_that_is_not_approved_is_refused(post_comment, status):
    parent = CommentFactory(status=status)

    response = post_comment(parent.article, parent=str(parent.pk), body="Sneaky reply")

    assert response.status_code == 400
    assert "You can only reply to a published comment on this article." in response.content.decode()
    assert not Comment.objects.filter(body="Sneaky reply").exists()


def test_replying_to_a_comment_on_another_article_is_refused(post_comment):
    elsewhere = ApprovedCommentFactory()
    article = ArticleFactory()

    response = post_comment(article, parent=str(elsewhere.pk), body="Cross-post")

    assert response.status_code == 400
    assert "You can only reply to a published comment on this article." in response.content.decode()
    assert not Comment.objects.filter(body="Cross-post").exists()


def test_replies_stop_at_the_deepest_level(post_comment, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MAX_DEPTH": 1}
    top = ApprovedCommentFactory()
    reply = ApprovedCommentFactory(article=top.article, parent=top)

    response = post_comment(top.article, parent=str(reply.pk), body="Too deep")

    assert response.status_code == 400
    assert "This conversation is as deep as it goes." in response.content.decode()
    assert not Comment.objects.filter(body="Too deep").exists()


INVALID = [
    ({"body": ""}, "body", "This field is required."),
    ({"body": "   \n  "}, "body", "This field is required."),
    ({"body": "x"}, "body", "Write at least a couple of characters."),
    ({"body": "y" * 3001}, "body", "Keep your comment to 3,000 characters; it has 3,001."),
    ({"name": ""}, "name", "This field is required."),
    ({"name": "n" * 81}, "name", "Ensure this value has at most 80 characters (it has 81)."),
    ({"name": "Eve\u202eevil"}, "name", "Use letters, numbers and punctuation only."),
    ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ({"email": ""}, "email", "This field is required."),
    ({"parent": "abc"}, "parent", "Enter a whole number."),
    ({"parent": "99999999999999999999999"}, "parent", "less than or equal to"),
    ({"parent": "-4"}, "parent", "greater than or equal to 1"),
    ({"token": ""}, "token", "This field is required."),
    ({"token": "forged:token"}, "token", "This form could not be checked."),
]


@pytest.mark.parametrize(("fields", "field", "error"), INVALID)
def test_bad_input_gets_a_form_error_and_nothing_is_stored(post_comment, fields, field, error):
    article = ArticleFactory()

    response = post_comment(article, **fields)

    assert response.status_code == 400
    shown = reading.page(response)
    assert error in shown.find("ul", id=f"id_{field}_error").text
    control = shown.find(id=f"id_{field}")
    if control.attrs.get("type") != "hidden":  # visible fields point to their error
        assert control.attrs["aria-invalid"] == "true"
        assert f"id_{field}_error" in control.attrs["aria-describedby"].split()
    page = response.content.decode()
    assert "Your comment could not be posted" in page
    assert not Comment.objects.exists()


def test_the_error_page_keeps_what_the_reader_wrote(post_comment):
    article = ArticleFactory(title="Harbour reopens")

    response = post_comment(article, email="nope", body="My carefully written <b>thoughts</b>")

    page = response.content.decode()
    assert "My carefully written &lt;b&gt;thoughts&lt;/b&gt;</textarea>" in page
    assert f'href="/articles/{article.slug}/">Harbour reopens</a>' in page


def test_a_form_for_another_article_is_refused(post_comment):
    article, other = ArticleFactory(), ArticleFactory()

    response = post_comment(article, token=comment_data(other)["token"])

    assert response.status_code == 400
    assert "This form belongs to another article." in response.content.decode()


def test_unknown_article_is_not_found(client):
    response = client.post("/articles/no-such-story/comments/", {"body": "hi"})
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


@pytest.mark.parametrize("factory", [DraftArticleFactory, ScheduledArticleFactory])
def test_unpublished_articles_take_no_comments(post_comment, factory):
    article = factory()

    response = post_comment(article)

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_an_article_closed_by_its_switch_refuses_comments_and_says_so(client, post_comment):
    article = ArticleFactory(comments_open=False)

    response = post_comment(article)
    page = client.get(article.get_absolute_url()).content.decode()

    assert response.status_code == 403
    assert "Comments are closed on this article." in response.content.decode()
    assert not Comment.objects.exists()
    assert "Comments are closed on this article." in page
    assert 'id="comment-form"' not in page


def test_get_on_the_comments_address_leads_back_to_the_article(client):
    article = ArticleFactory()
    response = client.get(comments_url(article))
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.slug}/#comments"


def test_a_signed_in_readers_post_without_the_csrf_token_is_refused(post_comment):
    # Anonymous posts go without a token (the page is shared through the page cache; see
    # comments.views); a post that carries an account must prove it came from our form.
    article = ArticleFactory()
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(UserFactory())

    response = post_comment(article, as_client=reader)

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_anonymous_post_from_another_sites_page_is_refused(post_comment):
    article = ArticleFactory()
    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="https://evil.example")

    response = post_comment(article, as_client=browser)

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_the_form_posts_to_the_comments_address_with_a_token_only_when_signed_in(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'action="/articles/{article.slug}/comments/"' in page
    assert 'name="csrfmiddlewaretoken"' not in page
    client.force_login(UserFactory())
    assert 'name="csrfmiddlewaretoken"' in client.get(article.get_absolute_url()).content.decode()
