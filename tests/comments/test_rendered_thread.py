"""The comment thread is rendered once per change and stored; readers always see the current one."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from comments import services, threads
from comments.models import Comment
from tests.factories import ApprovedCommentFactory, ArticleFactory, CommentFactory
from tests.reading import texts

pytestmark = pytest.mark.django_db


def authors_shown(client, article):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    read_comments = any('FROM "comments_comment"' in q["sql"] for q in queries.captured_queries)
    return texts(response, class_="comment__author"), read_comments


def test_each_moderation_shows_on_the_next_view(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    waiting = CommentFactory(article=article, name="Grace")
    assert authors_shown(client, article) == (["Ada"], True)
    assert authors_shown(client, article) == (["Ada"], False)  # read back, not rendered

    services.approve(Comment.objects.filter(pk=waiting.pk), notify=False)
    assert authors_shown(client, article) == (["Ada", "Grace"], True)

    services.reject(Comment.objects.filter(name="Ada"))
    assert authors_shown(client, article) == (["Grace"], True)

    services.delete(Comment.objects.filter(name="Grace"))
    assert authors_shown(client, article) == ([], True)
    assert texts(client.get(article.get_absolute_url()), class_="comments__title") == [
        "Comments (0)"
    ]


@pytest.mark.parametrize("stored_before", [True, False], ids=["stored thread", "none stored"])
def test_a_render_that_raced_a_moderation_is_not_kept(client, monkeypatch, stored_before):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    if stored_before:
        authors_shown(client, article)
        services.reject(Comment.objects.filter(name="Ada"))
        ApprovedCommentFactory(article=article, name="Ada again")
    late = CommentFactory(article=article, name="Late")
    render = threads.render

    def render_then_moderate(article_id):
        # The page has read the comments; a moderator's approval commits before it stores.
        thread = render(article_id)
        services.approve(Comment.objects.filter(pk=late.pk), notify=False)
        return thread

    monkeypatch.setattr(threads, "render", render_then_moderate)
    raced, _ = authors_shown(client, article)
    monkeypatch.setattr(threads, "render", render)

    assert "Late" not in raced
    assert authors_shown(client, article)[0] == [*raced, "Late"]


def test_closing_comments_hides_the_reply_links_without_rendering_again(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    open_page = client.get(article.get_absolute_url())
    assert texts(open_page, class_="comment__actions") == ["Reply to Ada"]

    # Comments also close with time, with no change to render on.
    Article.objects.filter(pk=article.pk).update(comments_open=False)

    with CaptureQueriesContext(connection) as queries:
        closed_page = client.get(article.get_absolute_url())
    assert texts(closed_page, class_="comment__author") == ["Ada"]
    assert texts(closed_page, class_="comment__actions") == []
    assert not any("comments_comment" in q["sql"] for q in queries.captured_queries)


def test_a_thread_stored_by_other_templates_is_rendered_again(client, monkeypatch):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    authors_shown(client, article)

    monkeypatch.setattr(threads, "rendering_signature", lambda: "a later deploy")

    assert authors_shown(client, article) == (["Ada"], True)
    assert authors_shown(client, article) == (["Ada"], False)


def refuse(*args, **kwargs):
    raise DatabaseError("database table is locked")


def test_a_thread_that_cannot_be_stored_is_still_shown(client, monkeypatch):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    monkeypatch.setattr(threads, "_store", refuse)

    assert authors_shown(client, article) == (["Ada"], True)
    assert authors_shown(client, article) == (["Ada"], True)  # tried again, still shown


def test_a_thread_that_cannot_be_read_is_rendered_for_the_page(client, monkeypatch):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="Ada")
    authors_shown(client, article)
    monkeypatch.setattr(threads.STORED_THREAD, "fetch", refuse)

    assert authors_shown(client, article) == (["Ada"], True)
