"""What readers see: approved comments only, in order, threaded, with exact counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments import services
from comments.models import Comment
from tests import reading
from tests.factories import ApprovedCommentFactory, ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def minutes_ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def comments_section(response):
    page = response.content.decode()
    return page[
        page.index('<section class="comments"') : page.index(
            "</section>", page.index('<section class="comments"')
        )
    ]


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_unapproved_comments_are_never_shown_nor_counted(client, status):
    article = ArticleFactory(title="Quiet story")
    CommentFactory(article=article, status=status, body="Hidden words here", name="Hidden Name")

    page = client.get(article.get_absolute_url()).content.decode()
    front = client.get("/").content.decode()

    assert "Hidden words here" not in page and "Hidden Name" not in page
    assert "Comments (0)" in page
    assert "No comments yet." in page
    assert "0 comments" in front
    article.refresh_from_db()
    assert article.comment_count == 0


def test_approving_makes_a_comment_visible_and_counted_everywhere(client):
    article = ArticleFactory()
    comment = CommentFactory(article=article, body="Worth waiting for", name="Patient Reader")

    services.approve(Comment.objects.filter(pk=comment.pk))

    page = client.get(article.get_absolute_url()).content.decode()
    assert "Worth waiting for" in page and "Patient Reader" in page
    assert "Comments (1)" in page
    assert "1 comment</a>" in client.get("/").content.decode()
    assert f'href="/articles/{article.slug}/#comments">1 comment</a>' in page


def test_listing_pages_show_each_articles_approved_count(client):
    busy, quiet = ArticleFactory(title="Busy"), ArticleFactory(title="Quiet")
    for _ in range(3):
        ApprovedCommentFactory(article=busy)
    CommentFactory(article=busy)  # pending: not counted
    CommentFactory(article=quiet)

    front = client.get("/").content.decode()

    assert f'href="/articles/{busy.slug}/#comments">3 comments</a>' in front
    assert f'href="/articles/{quiet.slug}/#comments">0 comments</a>' in front


def test_comments_are_shown_oldest_first_with_replies_under_their_parent(client):
    article = ArticleFactory()
    first = ApprovedCommentFactory(article=article, name="First", created=minutes_ago(50))
    second = ApprovedCommentFactory(article=article, name="Second", created=minutes_ago(40))
    reply = ApprovedCommentFactory(
        article=article, parent=first, name="Replier", created=minutes_ago(30)
    )
    ApprovedCommentFactory(article=article, parent=reply, name="Deeper", created=minutes_ago(20))

    response = client.get(article.get_absolute_url())

    thread = reading.page(response).find("ol", class_="comment-list")

    def authors(comment_list):
        items = [child for child in comment_list.children if getattr(child, "tag", "") == "li"]
        return [item.find(class_="comment__author").text for item in items]

    assert authors(thread) == ["First", "Second"]
    first_item = thread.find("li", id=f"comment-{first.pk}")
    replies = first_item.find("ol", class_="comment-list--replies")
    assert authors(replies) == ["Replier"]
    assert authors(replies.find("ol", class_="comment-list--replies")) == ["Deeper"]
    assert thread.find("li", id=f"comment-{second.pk}").find("ol") is None
    section = comments_section(response)
    assert section.index("First") < section.index("Replier") < section.index("Deeper")
    assert section.index("Deeper") < section.index(f'id="comment-{second.pk}"')
    assert "Comments (4)" in section
    assert section.count('class="comment-list comment-list--replies"') == 2


def test_a_reply_whose_parent_was_rejected_stays_visible_and_says_so(client):
    article = ArticleFactory()
    parent = ApprovedCommentFactory(article=article, name="Later rejected")
    ApprovedCommentFactory(article=article, parent=parent, name="Still fine", body="Reply text")

    services.reject(Comment.objects.filter(pk=parent.pk))

    section = comments_section(client.get(article.get_absolute_url()))
    assert "Later rejected" not in section
    assert "Reply text" in section
    assert "in reply to a removed comment" in section
    assert "Comments (1)" in section


def test_the_reply_link_prepares_the_form_for_that_comment(client):
    article = ArticleFactory()
    parent = ApprovedCommentFactory(article=article, name="Ada")

    page = client.get(f"{article.get_absolute_url()}?reply_to={parent.pk}").content.decode()

    assert f'href="?reply_to={parent.pk}#comment-form"' in page
    assert "Reply to Ada" in page
    assert f'<input type="hidden" name="parent" value="{parent.pk}" id="id_parent">' in page


# "9" * 5000 is past int()'s 4,300-digit limit, which raised ValueError (issue #16).
@pytest.mark.parametrize(
    "value", ["abc", "999999", "-1", "", "²", "1²", "99999999999999999999", "9" * 5000]
)
def test_a_reply_to_an_unknown_comment_falls_back_to_a_new_comment(client, value):
    article = ArticleFactory()
    pending = CommentFactory(article=article)

    for reply_to in (value, str(pending.pk)):
        response = client.get(f"{article.get_absolute_url()}?reply_to={reply_to}")
        assert response.status_code == 200
        assert "Leave a comment" in response.content.decode()
        assert reading.page(response).find(class_="comment-form__replying") is None
        assert reading.page(response).find("input", name="parent").attrs.get("value") is None


def test_comment_email_addresses_are_never_shown(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, email="secret.reader@example.com")

    page = client.get(article.get_absolute_url()).content.decode()

    assert "secret.reader@example.com" not in page


def test_links_in_comments_are_nofollow_ugc(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, body="Source: https://example.org/report")

    section = comments_section(client.get(article.get_absolute_url()))

    assert (
        '<a href="https://example.org/report" rel="nofollow ugc noopener">'
        "https://example.org/report</a>" in section
    )


def test_line_breaks_are_kept(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, body="One\nTwo\n\nThree")

    section = comments_section(client.get(article.get_absolute_url()))

    assert "<p>One<br>Two</p><p>Three</p>" in section


def test_an_article_past_its_comment_window_shows_why_it_is_closed(client, settings):
    settings.COMMENTS = {**settings.COMMENTS, "CLOSE_AFTER_DAYS": 7}
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=8))
    ApprovedCommentFactory(article=article, body="Old but visible")

    page = client.get(article.get_absolute_url()).content.decode()

    assert "Comments close 7 days after publication; this article is older." in page
    assert "Old but visible" in page
    assert 'id="comment-form"' not in page
    assert "?reply_to=" not in page


def test_pending_comments_reach_no_feed_or_search_result(client):
    article = ArticleFactory(title="Harbour reopens")
    CommentFactory(article=article, body="Zanzibarian secret remark")
    ApprovedCommentFactory(article=article)

    for url in ("/feeds/latest/", "/feeds/atom/", "/search/?q=Zanzibarian", "/sitemap.xml"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "secret remark" not in response.content.decode(), url
