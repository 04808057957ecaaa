"""Without Redis, a visitor whose reloads land on different worker processes counts once."""

import datetime
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from analytics import counting, filebuffer, recent, services, storage
from analytics.models import ArticleDailyViews, BufferCheckpoint, FallbackSighting
from tests.analytics.conftest import recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]
VISITOR = "0123456789abcdef0123456789abcdef"


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def without_redis(settings):
    """The embedded default, also when the suite runs with REDIS_URL."""
    settings.ANALYTICS = {**settings.ANALYTICS, "BUFFER_IN_REDIS": False}


def worker_reads(article_id, reads_by_visitor):
    """Another worker process: its own record of recent reads and its own buffer file, in the
    test's buffer folder. `reads_by_visitor` maps visitor keys to how often they read."""
    script = textwrap.dedent(
        f"""
        import datetime, os
        import django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
        django.setup()
        from django.conf import settings
        settings.ANALYTICS = {{
            **settings.ANALYTICS,
            "BUFFER_IN_REDIS": False,
            "FLUSH_SECONDS": 0,
            "BUFFER_DIR": {str(settings.ANALYTICS["BUFFER_DIR"])!r},
        }}
        from analytics.counting import record_first_read
        for visitor, reads in {reads_by_visitor!r}.items():
            for _ in range(reads):
                record_first_read({article_id}, visitor, datetime.date(2026, 3, 2))
        """
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)


def run_workers(*workers):
    for worker in workers:
        assert worker.wait(timeout=60) == 0


def read_in_two_workers(article, visitor, reads, window):
    """`reads` reads of `visitor`, half through each of two simulated workers' own records of
    recent reads and buffer files, in dedupe window `window`."""
    for _ in range(2):
        worker_recent = recent.RecentReads()
        worker_buffer = filebuffer.FileViewBuffer(settings.ANALYTICS["BUFFER_DIR"])
        for _ in range(reads // 2):
            if worker_recent.first((article.pk, visitor), 1800):
                worker_buffer.add(article.pk, DAY, hour=7, visitor=visitor, window=window)
        worker_buffer.close()


def views(article):
    return sum(ArticleDailyViews.objects.filter(article=article).values_list("views", flat=True))


def test_one_visitor_reloading_100_times_across_two_processes_counts_once():
    article = ArticleFactory()
    run_workers(
        worker_reads(article.pk, {VISITOR: 50}),
        worker_reads(article.pk, {VISITOR: 50}),
    )
    assert len(services.local_buffer().names()) == 2, "each worker wrote a file of its own"
    assert recorded(article) == (1, 0)


def test_distinct_visitors_across_processes_each_count_once():
    article = ArticleFactory()
    shared = {f"{n:032x}": 3 for n in range(40)}  # read through both workers
    own = [{f"{n:032x}": 2 for n in range(start, start + 30)} for start in (100, 200)]
    run_workers(
        worker_reads(article.pk, {**shared, **own[0]}),
        worker_reads(article.pk, {**shared, **own[1]}),
    )
    assert recorded(article) == (40 + 30 + 30, 0)


def test_the_same_visitor_in_the_next_window_counts_again():
    article = ArticleFactory()
    read_in_two_workers(article, VISITOR, 100, window=1000)
    assert recorded(article) == (1, 0)
    read_in_two_workers(article, VISITOR, 100, window=1000)
    assert recorded(article) == (1, 0), "lines flushed later in the same window are repeats"
    read_in_two_workers(article, VISITOR, 100, window=1001)
    assert recorded(article) == (2, 0)


def test_a_visitor_read_in_one_flush_is_a_repeat_in_a_later_one_of_the_same_window():
    article = ArticleFactory()
    view_buffer = services.local_buffer()
    view_buffer.add(article.pk, DAY, hour=7, visitor=VISITOR, window=5)
    services.flush_views()
    view_buffer.add(article.pk, DAY, hour=7, visitor=VISITOR, window=5)
    view_buffer.add(article.pk, DAY, hour=7, visitor="f" * 32, window=5)
    assert services.flush_views().views == 1
    assert recorded(article) == (2, 0)


def test_a_flush_that_dies_before_its_commit_leaves_no_sighting_and_recounts_exactly(
    monkeypatch,
):
    article = ArticleFactory()
    read_in_two_workers(article, VISITOR, 100, window=1000)
    for n in range(10):
        read_in_two_workers(article, f"{n:032x}", 4, window=1000)
    real_upsert = storage._upsert_daily

    def die(rows):
        real_upsert(rows)
        raise Crash("killed before the commit")

    monkeypatch.setattr(storage, "_upsert_daily", die)
    with pytest.raises(Crash):
        services.flush_views()
    assert not FallbackSighting.objects.exists(), "the sightings were rolled back with the counts"
    assert not BufferCheckpoint.objects.exists()
    assert views(article) == 0

    monkeypatch.setattr(storage, "_upsert_daily", real_upsert)
    assert recorded(article) == (11, 0)
    assert recorded(article) == (11, 0), "nothing is counted twice after the commit"


def test_lines_written_before_they_carried_a_visitor_are_still_counted():
    article = ArticleFactory()
    directory = Path(settings.ANALYTICS["BUFFER_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    old_lines = f"{article.pk} {DAY} v\n{article.pk} {DAY} v 491234\n{article.pk} {DAY} b\n" * 3
    (directory / "4242-oldformat00.views").write_text(old_lines)
    services.local_buffer().add(article.pk, DAY, hour=491234, visitor=VISITOR, window=9)
    assert recorded(article) == (7, 3)


def test_bot_hits_are_not_deduped(read):
    article = ArticleFactory()
    view_buffer = services.local_buffer()
    for _ in range(5):
        view_buffer.add(article.pk, DAY, filebuffer.BOT, hour=7)
    assert recorded(article) == (0, 5)


def test_a_flush_prunes_day_old_sightings_but_keeps_recent_ones():
    article = ArticleFactory()
    old = FallbackSighting.objects.create(article_id=article.pk, visitor=VISITOR, window=1)
    FallbackSighting.objects.filter(pk=old.pk).update(
        seen_at=old.seen_at - services.SIGHTING_KEEP - datetime.timedelta(minutes=1)
    )
    services.local_buffer().add(article.pk, DAY, hour=7, visitor=VISITOR, window=2)
    services.flush_views()
    assert list(FallbackSighting.objects.values_list("window", flat=True)) == [2]


def test_a_view_that_cannot_be_buffered_is_deduped_in_the_database(monkeypatch):
    article = ArticleFactory()

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(filebuffer.FileViewBuffer, "add", disk_full)
    for _ in range(3):
        recent.recent_reads.clear()  # as if each read came to another worker
        counting.record_first_read(article.pk, VISITOR, DAY)
    assert views(article) == 1
