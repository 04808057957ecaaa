"""Prepared queries give what their querysets give, with each call's own values."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

from articles.jinja import ARTICLE_TAGS
from articles.models import Article, Section
from articles.views import PUBLIC_ARTICLE
from comments.models import Comment
from comments.threads import SHOWN_COMMENT_ROWS
from lifescope.prepared import PreparedQuery
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    ScheduledArticleFactory,
)

pytestmark = pytest.mark.django_db
field = Article._meta.get_field


def concrete_values(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_public_article_matches_the_querysets_article_and_related_rows():
    article = ArticleFactory(tags=["Climate", "Energy"])
    expected = Article.objects.published().for_cards().get(slug=article.slug)

    [found] = PUBLIC_ARTICLE.fetch(slug=article.slug, now=timezone.now())

    assert concrete_values(found) == concrete_values(expected)
    assert concrete_values(found.section) == concrete_values(expected.section)
    assert concrete_values(found.author) == concrete_values(expected.author)


def test_public_article_applies_each_calls_own_values():
    first, second = ArticleFactory(), ArticleFactory()
    scheduled = ScheduledArticleFactory()
    now = timezone.now()

    assert PUBLIC_ARTICLE.fetch(slug=first.slug, now=now) == [first]
    assert PUBLIC_ARTICLE.fetch(slug=second.slug, now=now) == [second]
    # The visibility gate's time is a value too: the scheduled story appears once it is due.
    assert PUBLIC_ARTICLE.fetch(slug=scheduled.slug, now=now) == []
    due = scheduled.published_at + timedelta(seconds=1)
    assert PUBLIC_ARTICLE.fetch(slug=scheduled.slug, now=due) == [scheduled]
    assert PUBLIC_ARTICLE.fetch(slug="no-such-story", now=now) == []


def test_article_tags_are_each_articles_own_in_tag_order():
    climate = ArticleFactory(tags=["Climate", "Energy"])
    sport = ArticleFactory(tags=["Sport"])

    assert [t.name for t in ARTICLE_TAGS.fetch(article_id=climate.pk)] == ["Climate", "Energy"]
    assert [t.name for t in ARTICLE_TAGS.fetch(article_id=sport.pk)] == ["Sport"]
    assert ARTICLE_TAGS.fetch(article_id=ArticleFactory().pk) == []


def test_shown_comment_rows_hold_only_approved_comments_of_that_article():
    article, other = ArticleFactory(), ArticleFactory()
    shown = ApprovedCommentFactory.create_batch(3, article=article)
    CommentFactory(article=article)  # awaiting moderation
    ApprovedCommentFactory(article=other)

    rows = SHOWN_COMMENT_ROWS.fetch(article_id=article.pk)

    expected = Comment.objects.for_article_page(article).values_list(
        "id", "parent_id", "name", "body_html", "created", "depth"
    )
    assert rows == list(expected)
    assert [row[0] for row in rows] == [comment.pk for comment in shown]


def test_fetch_wants_exactly_its_named_values():
    with pytest.raises(TypeError, match="slug"):
        PUBLIC_ARTICLE.fetch(slug="x")


def test_a_value_the_sql_holds_twice_is_refused_rather_than_half_replaced():
    twice = PreparedQuery(
        lambda slug: Section.objects.filter(Q(slug=slug) | Q(name=slug)),
        slug=Section._meta.get_field("slug"),
    )

    with pytest.raises(ImproperlyConfigured, match="once"):
        twice.fetch(slug="world")
