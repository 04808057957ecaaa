"""With Redis, views go from each process's file to Redis: deduped there, never sent twice."""

import datetime
import time

import pytest
from django.db import IntegrityError
from redis.exceptions import ConnectionError as RedisConnectionError

from analytics import buffer, filebuffer, services
from analytics.filebuffer import FileViewBuffer
from analytics.models import BufferCheckpoint
from tests.analytics.conftest import recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
HOUR = 493_000


def views_in_redis(redis_buffer):
    return sum(count.views for count in redis_buffer.pending())


def flush_files(redis_buffer, file_buffer=None):
    return services.flush_files(
        file_buffer or services.local_buffer(), wait=True, view_buffer=redis_buffer
    )


def write_read(file_buffer, article, visitor, read_at=None):
    read_at = read_at or int(time.time())
    window = read_at // 1800
    file_buffer.add(
        article.pk, DAY, filebuffer.VIEW, HOUR, visitor=visitor, window=window, read_at=read_at
    )


def test_one_visitor_in_two_processes_files_counts_once(redis_buffer):
    article = ArticleFactory()
    folder = services.local_buffer().directory
    first, second = FileViewBuffer(folder), FileViewBuffer(folder)  # two workers' files
    write_read(first, article, "visitor-a")
    write_read(second, article, "visitor-a")
    write_read(second, article, "visitor-b")

    flush_files(redis_buffer)

    assert views_in_redis(redis_buffer) == 2
    assert recorded(article) == (2, 0)


def test_a_flush_that_dies_after_shipping_sends_nothing_twice(redis_buffer, monkeypatch):
    article = ArticleFactory()
    file_buffer = services.local_buffer()
    for visitor in ("a", "b", "c"):
        write_read(file_buffer, article, visitor)

    def crash(*args):
        raise IntegrityError("the database went away before the offsets committed")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_advance", crash)
        with pytest.raises(IntegrityError):
            flush_files(redis_buffer)
    assert views_in_redis(redis_buffer) == 3, "Redis has them, the database has no offset"
    assert not BufferCheckpoint.objects.exists()

    write_read(file_buffer, article, "d")
    flush_files(redis_buffer)

    assert views_in_redis(redis_buffer) == 4, "the three again were skipped, the new one taken"
    assert recorded(article) == (4, 0)


def test_when_redis_fails_half_way_the_database_takes_only_what_redis_did_not(
    redis_buffer, monkeypatch
):
    article = ArticleFactory()
    file_buffer = services.local_buffer()
    for n in range(5):
        write_read(file_buffer, article, f"visitor-{n}")
    monkeypatch.setattr(services, "SHIP_LINES_PER_CALL", 2)
    real_ship, calls = redis_buffer.ship, []

    def ship_then_fail(*args):
        calls.append(args)
        if len(calls) > 1:
            raise RedisConnectionError("Connection reset")
        return real_ship(*args)

    monkeypatch.setattr(redis_buffer, "ship", ship_then_fail)

    flushed = flush_files(redis_buffer)

    assert flushed.views == 3, "the three lines after Redis's last good call"
    assert views_in_redis(redis_buffer) == 2
    monkeypatch.setattr(redis_buffer, "ship", real_ship)
    assert recorded(article) == (5, 0)
    assert flush_files(redis_buffer).views == 0 and views_in_redis(redis_buffer) == 0


def test_the_dedupe_window_runs_from_the_read_not_from_the_flush(redis_buffer, settings):
    article = ArticleFactory()
    file_buffer = services.local_buffer()
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    first_read = int(time.time()) - window + 60  # its window ends in a minute
    write_read(file_buffer, article, "returning", read_at=first_read)
    write_read(file_buffer, article, "returning")  # within it: a repeat

    flush_files(redis_buffer)

    assert views_in_redis(redis_buffer) == 1
    remaining = redis_buffer.client.pttl(buffer.seen_key(article.pk, "returning"))
    assert 0 < remaining <= 60_000, "the visitor's key lives out the first read's window"


def test_a_flush_keeps_the_offsets_of_other_hosts_files(redis_buffer, tmp_path):
    other_host = BufferCheckpoint.objects.create(
        name="0123456789ab:999-feedface0000.views", offset=7
    )
    article = ArticleFactory()
    write_read(services.local_buffer(), article, "visitor")

    flush_files(redis_buffer)

    assert BufferCheckpoint.objects.filter(pk=other_host.pk, offset=7).exists()
    assert recorded(article) == (1, 0)
