"""Each window ranks what readers chose in it, and never what readers may not see."""

import datetime
import time

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from analytics import rankings
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    ArticleHourlyViewsFactory,
    DraftArticleFactory,
    ScheduledArticleFactory,
)

pytestmark = pytest.mark.django_db

# 18:00 on a Monday (TIME_ZONE is UTC in the suite): three quarters of today have gone.
NOW = datetime.datetime(2026, 3, 9, 18, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


def hours_ago(n):
    return NOW - datetime.timedelta(hours=n)


def published(title, views_by_age, views_by_hours_ago=None):
    """An article that went out 60 days ago, read `views` times `age` days ago; of those,
    the ones of the last two days also by the hour (as a flush writes them)."""
    article = ArticleFactory(title=title, published_at=NOW - datetime.timedelta(days=60))
    for age, views in views_by_age.items():
        ArticleDailyViewsFactory(article=article, day=days_ago(age), views=views)
    for age, views in (views_by_hours_ago or {}).items():
        ArticleHourlyViewsFactory(article=article, hour=hours_ago(age), views=views)
    article.view_count = sum(views_by_age.values())
    article.save(update_fields=["view_count"])
    return article


@pytest.fixture
def newsroom():
    return {
        "today": published("Read today", {0: 50}, {2: 50}),
        # 18:00 now: yesterday's hours from 18:00 on are within 24 hours, the earlier ones not.
        "yesterday": published("Read yesterday", {1: 80}, {20: 20, 30: 60}),
        "week": published("Read this week", {3: 90, 5: 40}),
        "month": published("Read this month", {20: 300}),
        "classic": published("Read long ago", {200: 5000}),
    }


def titles(window):
    return [
        rankings.Article.objects.get(pk=pk).title for pk, _ in rankings.compute(window, 10, NOW)
    ]


def test_each_window_has_its_own_order(newsroom):
    assert titles("24h") == ["Read today", "Read yesterday"]
    assert dict(rankings.compute("24h", 10, NOW)) == {
        newsroom["today"].pk: 50.0,
        newsroom["yesterday"].pk: 20.0,
    }
    assert titles("7d") == ["Read this week", "Read yesterday", "Read today"]
    assert titles("30d") == ["Read this month", "Read this week", "Read yesterday", "Read today"]
    assert titles("all")[:2] == ["Read long ago", "Read this month"]


def test_24_hours_are_the_current_hour_and_the_23_before_it():
    article = published("Boundary", {}, {0: 1, 23: 10, 24: 100})
    late_in_the_hour = NOW + datetime.timedelta(minutes=59)
    assert dict(rankings.compute("24h", 10, late_in_the_hour)) == {article.pk: 11.0}


def test_trending_halves_a_days_weight_every_half_life(newsroom, settings):
    settings.ANALYTICS = {**settings.ANALYTICS, "TRENDING_HALF_LIFE_DAYS": 2}
    scores = dict(rankings.compute("trending", 10, NOW))
    assert scores[newsroom["today"].pk] == pytest.approx(50)
    assert scores[newsroom["yesterday"].pk] == pytest.approx(80 * 0.5**0.5)
    assert scores[newsroom["week"].pk] == pytest.approx(90 * 0.5**1.5 + 40 * 0.5**2.5)
    assert newsroom["month"].pk not in scores, "older than the trending horizon"
    assert titles("trending") == ["Read yesterday", "Read today", "Read this week"]


@pytest.mark.parametrize("window", list(rankings.WINDOWS))
def test_hidden_and_excluded_articles_are_never_ranked(window):
    shown = published("Shown", {0: 1}, {0: 1})
    hidden = [
        DraftArticleFactory(title="Draft"),
        ScheduledArticleFactory(title="Scheduled", published_at=NOW + datetime.timedelta(hours=1)),
        ArticleFactory(title="Excluded", popular_excluded=True),
    ]
    for article in hidden:
        ArticleDailyViewsFactory(article=article, day=TODAY, views=10_000)
        ArticleHourlyViewsFactory(article=article, hour=NOW, views=10_000)
        article.view_count = 10_000
        article.save(update_fields=["view_count"])
    assert [pk for pk, _ in rankings.compute(window, 10, NOW)] == [shown.pk]


@pytest.fixture
def read_today():
    """Articles read today by the real clock, which the cached rankings use."""
    return [
        ArticleDailyViewsFactory(views=views, day=timezone.localdate()).article
        for views in (30, 20, 10)
    ]


def test_a_cached_ranking_costs_no_query(read_today, django_assert_num_queries):
    expected = [article.pk for article in read_today]
    assert [pk for pk, _ in rankings.ranking("7d")] == expected
    with django_assert_num_queries(0):
        assert [pk for pk, _ in rankings.ranking("7d")] == expected


def test_a_stale_ranking_is_recomputed_by_one_request_while_others_use_it(
    read_today, django_assert_num_queries
):
    with time_machine.travel(time.time(), tick=False) as clock:
        first = rankings.ranking("30d")
        ArticleDailyViewsFactory(article=ArticleFactory(), views=9_000)
        clock.shift(59)
        with django_assert_num_queries(0):
            assert rankings.ranking("30d") == first, "fresh for RANKING_CACHE_SECONDS"
        clock.shift(2)  # past them, well within the stale copy's life
        with django_assert_num_queries(1):
            assert rankings.ranking("30d") != first, "the first request after expiry recomputes"
        stale = rankings.ranking("30d")
        clock.shift(61)
        ArticleDailyViewsFactory(article=ArticleFactory(), views=10_000)
        cache.set(f"{rankings._key('30d')}:lock", 1, 60)  # another request is refreshing it
        with django_assert_num_queries(0):
            assert rankings.ranking("30d") == stale, "the others serve the stale copy meanwhile"


def test_an_article_unpublished_after_ranking_leaves_the_page_at_once(read_today):
    top = read_today[0]
    rankings.refresh("7d")
    assert rankings.popular("7d")[0].article == top
    top.status = "draft"
    top.save()
    assert [entry.article for entry in rankings.popular("7d")] == read_today[1:]
