"""The one query budget of each public page rendered without the page cache, equal with 10 or
10,000 articles and with 0 or 500 comments. tests/articles/test_query_counts.py holds the same
budgets with 2 or 50 articles and many tags.

A page is measured as a page-cache miss meets it on a live site: its boxes and the fragments
it is made of (lifescope/page_cache.py) kept from an earlier render. What the first render
after a change of the page's own story adds is measured apart (FIRST_AFTER_A_CHANGE).
"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from analytics.models import ArticleDailyViews
from articles.models import Article, article_page
from comments.models import Comment
from lifescope import page_cache
from tests.factories import ArticleFactory, EditorFactory, SectionFactory

pytestmark = pytest.mark.django_db
BUDGETS = {"front": 3, "article": 0, "section": 2, "tag": 3, "author": 3, "popular": 1}
# The article's own row, its tags and its comments, read again once its page is retired.
FIRST_AFTER_A_CHANGE = {"article": 3}


def add_articles(count, section, author):
    """`count` published articles in one go, tagged "common", each with a day of views."""
    now = timezone.now()
    created = Article.objects.bulk_create(
        Article(
            title=f"Bulk {n}",
            slug=f"bulk-{n}",
            standfirst="Standfirst.",
            body="<p>Body.</p>",
            author=author,
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=1, minutes=n),
            view_count=n,
        )
        for n in range(count)
    )
    if created[0].pk is None:
        created = list(Article.objects.filter(slug__startswith="bulk-"))
    tag = Tag.objects.get(slug="common")
    content_type = ContentType.objects.get_for_model(Article)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=tag, content_type=content_type, object_id=a.pk) for a in created
    )
    ArticleDailyViews.objects.bulk_create(
        ArticleDailyViews(article=a, day=timezone.localdate(), views=a.view_count + 1)
        for a in created
    )
    refresh_planner_statistics()


def refresh_planner_statistics():
    """Does what autovacuum does for a live PostgreSQL database a minute after a bulk insert.

    Autovacuum cannot see rows of the test's open transaction, so the planner would take the
    10,000 articles for the few it last counted and join the tag page's rows in nested loops:
    50 seconds a query, long enough for the sidebar boxes (cached for a minute) to expire
    between the warm-up and the measured request. ANALYZE in the same transaction counts them.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE articles_article, taggit_taggeditem, analytics_articledailyviews"
            )


def add_comments(article, count):
    comments = [
        Comment(
            article=article,
            name=f"Reader {n}",
            email=f"r{n}@example.com",
            body=f"Comment {n}",
            body_html=f"<p>Comment {n}</p>",
            status=Comment.Status.APPROVED,
        )
        for n in range(count)
    ]
    Comment.objects.bulk_create(comments)
    # What comments.services records for every change of the approved comments.
    Article.objects.filter(pk=article.pk).update(comment_count=count)
    page_cache.retire([article_page(article.pk)])


def measure_warm(client, count_queries, urls):
    """Each page's queries right after a first request filled its sidebar caches and rankings.

    Creating thousands of articles can outlast those caches' minute, so each page is warmed
    just before it is measured, from an empty cache.
    """
    cache.clear()
    counts = {}
    for page, url in urls.items():
        count_queries(client, url)
        response, counts[page] = count_queries(client, url)
        assert response.status_code == 200, page
    return counts


def test_the_uncached_pages_keep_their_budgets_from_10_to_10000_articles(client, count_queries):
    # One test for every page, as creating 10,000 articles is the slow part.
    section, author = SectionFactory(slug="shared"), EditorFactory(username="shared-author")
    story = ArticleFactory(slug="measured", section=section, author=author, tags=["common"])
    add_articles(9, section, author)
    urls = {
        "front": "/",
        "article": story.get_absolute_url(),
        "section": section.get_absolute_url(),
        "tag": "/tags/common/",
        "author": author.author_profile.get_absolute_url(),
        "popular": "/popular/",
    }
    few = measure_warm(client, count_queries, urls)

    Article.objects.filter(slug__startswith="bulk-").delete()
    add_articles(9_999, section, author)
    assert Article.objects.count() == 10_000
    many = measure_warm(client, count_queries, urls)
    assert few == many == BUDGETS


def test_the_article_page_keeps_its_budget_from_0_to_500_comments(
    client, count_queries, django_capture_on_commit_callbacks
):
    story = ArticleFactory()
    count_queries(client, story.get_absolute_url())
    _, none = count_queries(client, story.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        add_comments(story, 500)
    # The first view after a change renders the thread and keeps it; later views read it.
    response, first = count_queries(client, story.get_absolute_url())
    _, many = count_queries(client, story.get_absolute_url())

    assert b"Comment 499" in response.content
    assert none == many == BUDGETS["article"]
    assert first == FIRST_AFTER_A_CHANGE["article"]
