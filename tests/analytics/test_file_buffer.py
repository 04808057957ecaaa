"""The embedded view buffer: every view reaches the database exactly once, whatever dies."""

import datetime
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.utils import timezone

from analytics import filebuffer, rankings, services, storage
from analytics.models import ArticleDailyViews, ArticleHourlyViews, BufferCheckpoint
from tests.analytics.conftest import GOOGLEBOT, recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def without_redis(settings):
    """The embedded default, also when the suite runs with REDIS_URL."""
    settings.ANALYTICS = {**settings.ANALYTICS, "BUFFER_IN_REDIS": False}


@pytest.fixture
def view_buffer():
    return services.local_buffer()


def fill(view_buffer, article, views, day=DAY, bots=0):
    for _ in range(views):
        view_buffer.add(article.pk, day)
    for _ in range(bots):
        view_buffer.add(article.pk, day, filebuffer.BOT)


def daily(article, day=DAY):
    row = ArticleDailyViews.objects.filter(article=article, day=day).first()
    return (row.views, row.bot_hits) if row else (0, 0)


def files(view_buffer):
    return view_buffer.names()


def writer_process(directory, article_id, views, then="sleep"):
    """Another worker: appends `views` views to its own file, says so, then waits or exits."""
    script = textwrap.dedent(
        f"""
        import datetime, os, sys, time
        import django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
        django.setup()
        from analytics.filebuffer import FileViewBuffer
        view_buffer = FileViewBuffer({str(directory)!r})
        for _ in range({views}):
            view_buffer.add({article_id}, datetime.date(2026, 3, 2))
        print("written", flush=True)
        if {then == "sleep"}:
            time.sleep(60)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "written"
    return process


def test_reading_an_article_goes_through_the_file_buffer(read, view_buffer):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, ip="203.0.113.2")  # a repeat
    read(article, user_agent=GOOGLEBOT)
    assert ArticleDailyViews.objects.count() == 0, "nothing reaches SQL before a flush"
    assert recorded(article) == (2, 1)
    assert services.flush_views().views == 0, "a second flush finds nothing new"
    assert recorded(article) == (2, 1)


def test_a_counted_view_is_also_kept_by_the_hour_for_the_24_hour_ranking(read, view_buffer):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, user_agent=GOOGLEBOT)
    services.flush_views()
    (row,) = ArticleHourlyViews.objects.filter(article=article)
    assert row.views == 2, "bot hits are not ranked"
    assert timezone.now() - row.hour < datetime.timedelta(hours=1)
    assert rankings.compute("24h", 5) == [(article.pk, 2.0)]


def test_a_flush_moves_every_count_of_every_file(view_buffer):
    first, second = ArticleFactory(), ArticleFactory()
    fill(view_buffer, first, 7, bots=3)
    fill(view_buffer, second, 2)
    fill(view_buffer, second, 4, day=DAY + datetime.timedelta(days=1))
    flushed = services.flush_views()
    assert (flushed.views, flushed.bot_hits) == (13, 3)
    assert daily(first) == (7, 3)
    assert daily(second) == (2, 0)
    assert daily(second, DAY + datetime.timedelta(days=1)) == (4, 0)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.view_count, second.view_count) == (7, 6)


def test_a_flush_that_dies_half_way_through_writing_loses_and_repeats_nothing(
    view_buffer, monkeypatch
):
    articles = [ArticleFactory() for _ in range(4)]
    for n, article in enumerate(articles, start=1):
        fill(view_buffer, article, 10 * n)
    real_upsert = storage._upsert_daily

    def write_half_then_die(counts):
        real_upsert(counts[: len(counts) // 2])
        raise Crash("killed half-way")

    monkeypatch.setattr(storage, "_upsert_daily", write_half_then_die)
    with pytest.raises(Crash):
        services.flush_views()
    assert ArticleDailyViews.objects.count() == 0, "the half-written flush was rolled back"
    assert not BufferCheckpoint.objects.exists(), "and so was the offset it would have saved"

    fill(view_buffer, articles[0], 5)  # readers keep coming while the flush is down
    monkeypatch.setattr(storage, "_upsert_daily", real_upsert)
    services.flush_views()
    assert [recorded(article)[0] for article in articles] == [15, 20, 30, 40]


def test_a_flush_that_dies_after_its_commit_is_not_written_twice(view_buffer, monkeypatch):
    article = ArticleFactory()
    fill(view_buffer, article, 25)
    view_buffer.close()  # the writer is gone, so the flush would delete the file

    def die(self, segment):
        raise Crash("killed before deleting the file")

    monkeypatch.setattr(filebuffer.FileViewBuffer, "delete_if_finished", die)
    with pytest.raises(Crash):
        services.flush_views()
    assert daily(article) == (25, 0)

    monkeypatch.undo()
    assert services.flush_views().views == 0
    assert recorded(article) == (25, 0)
    assert files(view_buffer) == [] and not BufferCheckpoint.objects.exists()


def test_the_file_of_a_killed_worker_is_flushed_once_and_deleted(view_buffer):
    article = ArticleFactory()
    worker = writer_process(view_buffer.directory, article.pk, 40)
    try:
        assert services.flush_views().views == 40, "a live worker's views are read too"
        assert len(files(view_buffer)) == 1, "but its file stays while it may append"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    assert services.flush_views().views == 0
    assert files(view_buffer) == [], "once it is dead, its finished file goes"
    assert not BufferCheckpoint.objects.exists()
    assert recorded(article) == (40, 0)


def test_views_a_worker_wrote_just_before_it_was_killed_are_flushed_after(view_buffer):
    article = ArticleFactory()
    worker = writer_process(view_buffer.directory, article.pk, 12)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    fill(view_buffer, article, 3)  # this process's own views, in a file of its own
    assert services.flush_views().views == 15
    assert services.flush_views().views == 0
    assert len(files(view_buffer)) == 1, "only the live writer's file is left"
    assert recorded(article) == (15, 0)


def test_a_half_written_last_line_of_a_dead_worker_is_dropped_alone(view_buffer):
    article = ArticleFactory()
    worker = writer_process(view_buffer.directory, article.pk, 5, then="exit")
    worker.wait()
    (name,) = files(view_buffer)
    with open(view_buffer.directory / name, "ab") as file:
        file.write(f"{article.pk} 2026-03".encode())  # killed in the middle of a write
    assert services.flush_views().views == 5
    assert files(view_buffer) == []
    assert recorded(article) == (5, 0)


def test_a_half_written_line_of_a_live_writer_waits_for_its_end(view_buffer):
    article = ArticleFactory()
    fill(view_buffer, article, 2)
    (name,) = files(view_buffer)
    line = f"{article.pk} {DAY.isoformat()} v\n".encode()
    with open(view_buffer.directory / name, "ab") as file:
        file.write(line[:5])
        file.flush()
        assert services.flush_views().views == 2
        file.write(line[5:])
    assert services.flush_views().views == 1
    assert recorded(article) == (3, 0)


def test_a_writer_starts_a_new_file_when_its_own_is_large_and_the_old_one_goes(
    view_buffer, monkeypatch
):
    article = ArticleFactory()
    monkeypatch.setattr(filebuffer, "ROTATE_BYTES", 100)
    fill(view_buffer, article, 30)
    assert len(files(view_buffer)) > 1
    assert services.flush_views().views == 30
    assert len(files(view_buffer)) == 1, "only the file still being written stays"
    assert recorded(article) == (30, 0)


def test_a_flush_waits_for_or_skips_one_already_running(view_buffer):
    article = ArticleFactory()
    fill(view_buffer, article, 4)
    with view_buffer.flush_lock() as ours:
        assert ours
        assert services.flush_files(view_buffer) == services.Flushed()
    assert services.flush_files(view_buffer, min_interval=60) == services.Flushed(), (
        "a flush ran within the interval (the lock above), so an in-band one skips"
    )
    assert services.flush_files(view_buffer).views == 4


def test_views_of_a_deleted_article_are_dropped_not_blocking(view_buffer):
    kept, deleted = ArticleFactory(), ArticleFactory()
    fill(view_buffer, kept, 3)
    fill(view_buffer, deleted, 4)
    deleted.delete()
    assert services.flush_views().views == 3
    assert services.flush_views().views == 0
    assert recorded(kept) == (3, 0)


def test_a_forked_child_writes_a_file_of_its_own(view_buffer):
    article = ArticleFactory()
    fill(view_buffer, article, 1)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        try:
            fill(view_buffer, article, 2)
        finally:
            os._exit(0 if len(view_buffer.names()) == 2 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    fill(view_buffer, article, 1)  # the parent still appends to its own file
    assert services.flush_views().views == 4
    assert len(files(view_buffer)) == 1, "the child's finished file is gone"
