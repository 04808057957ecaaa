"""The Redis buffer: every view reaches the database exactly once, whatever crashes."""

import datetime

import pytest

from analytics import services, storage
from analytics.models import ArticleDailyViews, FlushedBatch
from tests.analytics.conftest import GOOGLEBOT, recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


class Crash(Exception):
    pass


def fill(view_buffer, article, views, day=DAY, bots=0):
    for _ in range(views):
        view_buffer.add(article.pk, day)
    for _ in range(bots):
        view_buffer.add(article.pk, day, "b")


def daily(article, day=DAY):
    row = ArticleDailyViews.objects.filter(article=article, day=day).first()
    return (row.views, row.bot_hits) if row else (0, 0)


def test_reading_an_article_goes_through_the_file_then_redis(read, redis_buffer):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, user_agent=GOOGLEBOT)
    assert redis_buffer.pending() == [], "a read is a line in this process's file, no round trip"

    services.flush_files(services.local_buffer(), wait=True, view_buffer=redis_buffer)

    assert ArticleDailyViews.objects.count() == 0, "nothing reaches SQL before Redis's flush"
    pending = redis_buffer.pending()
    assert sum(c.views for c in pending) == 2 and sum(c.bot_hits for c in pending) == 1
    assert recorded(article) == (2, 1)
    assert redis_buffer.pending() == []


def test_a_flush_moves_every_count_and_empties_the_buffer(redis_buffer):
    first, second = ArticleFactory(), ArticleFactory()
    fill(redis_buffer, first, 7, bots=3)
    fill(redis_buffer, second, 2)
    fill(redis_buffer, second, 4, day=DAY + datetime.timedelta(days=1))
    flushed = services.flush_views()
    assert (flushed.views, flushed.bot_hits) == (13, 3)
    assert daily(first) == (7, 3)
    assert daily(second) == (2, 0)
    assert daily(second, DAY + datetime.timedelta(days=1)) == (4, 0)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.view_count, second.view_count) == (7, 6)
    assert services.flush_views().batches == 0


def test_a_flush_that_dies_half_way_through_writing_loses_and_repeats_nothing(
    redis_buffer, monkeypatch
):
    articles = [ArticleFactory() for _ in range(4)]
    for n, article in enumerate(articles, start=1):
        fill(redis_buffer, article, 10 * n)
    real_upsert = storage._upsert_daily

    def write_half_then_die(counts):
        real_upsert(counts[: len(counts) // 2])
        raise Crash("killed half-way")

    monkeypatch.setattr(storage, "_upsert_daily", write_half_then_die)
    with pytest.raises(Crash):
        services.flush_views()
    assert ArticleDailyViews.objects.count() == 0, "the half-written batch was rolled back"
    assert not FlushedBatch.objects.exists()

    # Readers keep coming while the flush is down.
    fill(redis_buffer, articles[0], 5)
    monkeypatch.setattr(storage, "_upsert_daily", real_upsert)
    flushed = services.flush_views()
    assert flushed.batches == 2, "first the interrupted batch, then the new views"
    assert [daily(article)[0] for article in articles] == [15, 20, 30, 40]
    assert [recorded(article)[0] for article in articles] == [15, 20, 30, 40]


def test_a_flush_that_dies_after_its_commit_is_not_written_twice(redis_buffer, monkeypatch):
    article = ArticleFactory()
    fill(redis_buffer, article, 25)

    def die(batch):
        raise Crash("killed before removing the batch from Redis")

    real_release = redis_buffer.release
    monkeypatch.setattr(redis_buffer, "release", die)
    with pytest.raises(Crash):
        services.flush_views()
    assert daily(article) == (25, 0)

    monkeypatch.setattr(redis_buffer, "release", real_release)
    fill(redis_buffer, article, 1)
    services.flush_views()
    assert recorded(article) == (26, 0)
    assert redis_buffer.pending() == []


def test_two_flushes_racing_for_one_batch_write_it_once(redis_buffer):
    article = ArticleFactory()
    fill(redis_buffer, article, 9)
    stalled = redis_buffer.claim()  # a flush that stalls right after claiming
    services.flush_views()  # another finishes the same batch meanwhile
    fill(redis_buffer, article, 2)
    newer = redis_buffer.claim()  # and a third claims the next batch
    assert services.write_batch(redis_buffer, *stalled) == (0, 0)
    assert daily(article) == (9, 0)
    assert redis_buffer.claim() == newer, "the stalled flush must not remove a newer batch"
    services.flush_views()
    assert recorded(article) == (11, 0)


def test_views_of_a_deleted_article_are_dropped_not_blocking(redis_buffer):
    kept, deleted = ArticleFactory(), ArticleFactory()
    fill(redis_buffer, kept, 3)
    fill(redis_buffer, deleted, 4)
    deleted.delete()
    assert services.flush_views().views == 3
    assert recorded(kept) == (3, 0)
    assert redis_buffer.pending() == []
