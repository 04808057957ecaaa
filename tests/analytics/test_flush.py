"""The flush: every logged line reaches the database once, one view per visitor per window,
in one transaction (analytics/flush.py)."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.db.models import F

from analytics import flush, viewlog
from analytics.models import (
    ArticleDailyViews,
    ArticleHourlyViews,
    ViewLogOffset,
    ViewSighting,
    hour_start,
)
from articles.models import Article
from tests.analytics.conftest import append, counted, log_files, recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

WINDOW = 1800
# 10:00 UTC on a Monday, in epoch seconds as the lines carry it.
T0 = int(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC).timestamp())
DAY = datetime.date(2026, 3, 2)
VISITOR, OTHER = "a" * 32, "b" * 32


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def clock(settings):
    """An hour after T0, the window at 30 minutes (the lines say when each read was)."""
    settings.ANALYTICS = {**settings.ANALYTICS, "DEDUPE_SECONDS": WINDOW}
    with time_machine.travel(T0 + 3600, tick=False) as traveller:
        yield traveller


@pytest.fixture
def log():
    return viewlog.local_log()


@pytest.fixture
def article():
    return ArticleFactory()


def reads(log, article, *times, visitor=VISITOR):
    append(log, article, *(T0 + t for t in times), visitor=visitor)


def daily(article, day=DAY):
    row = ArticleDailyViews.objects.filter(article=article, day=day).first()
    return (row.views, row.bot_hits) if row else (0, 0)


def hourly(article):
    return dict(
        ArticleHourlyViews.objects.filter(article=article)
        .order_by("hour")
        .values_list("hour", "views")
    )


def test_a_flush_moves_every_line_into_days_hours_and_totals(log):
    first, second = ArticleFactory(), ArticleFactory()
    for n in range(7):
        reads(log, first, n, visitor=f"{n:032x}")
    append(log, first, T0, T0, T0, kind=viewlog.BOT)
    reads(log, second, 0, 5400)  # 10:00 and 11:30
    reads(log, second, *[86400 + n for n in range(4)], visitor=OTHER)  # tomorrow: 1 view

    assert flush.flush() == flush.Flushed(views=7 + 2 + 1, bot_hits=3)

    assert daily(first) == (7, 3)
    assert daily(second) == (2, 0)
    assert daily(second, DAY + datetime.timedelta(days=1)) == (1, 0)
    assert hourly(first) == {hour_start(T0 // 3600): 7}, "bot hits are not ranked"
    assert hourly(second) == {
        hour_start(T0 // 3600): 1,
        hour_start(T0 // 3600 + 1): 1,
        hour_start(T0 // 3600 + 24): 1,
    }
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.view_count, second.view_count) == (7, 3)
    assert flush.flush() == flush.Flushed(), "a second flush finds nothing new"
    assert (counted(first), counted(second)) == ((7, 3), (3, 0))


def test_a_flush_adds_to_the_counts_already_there(log, article):
    reads(log, article, 0, visitor=VISITOR)
    append(log, article, T0, kind=viewlog.BOT)
    flush.flush()
    reads(log, article, 0, visitor=OTHER)
    append(log, article, T0, kind=viewlog.BOT)
    flush.flush()
    assert recorded(article) == (2, 2)
    assert hourly(article) == {hour_start(T0 // 3600): 2}


class TestOneViewPerVisitorPerWindow:
    """A read counts unless a counted read of the same visitor and article lies within
    DEDUPE_SECONDS of it."""

    @pytest.mark.parametrize(
        ("later", "views"),
        [(0, 1), (1, 1), (WINDOW - 1, 1), (WINDOW, 2), (WINDOW + 1, 2), (5 * WINDOW, 2)],
    )
    @pytest.mark.parametrize("flushes", ["one-flush", "two-flushes"])
    def test_a_read_after_a_counted_one_is_a_repeat_within_the_window(
        self, log, article, later, views, flushes
    ):
        reads(log, article, 0)
        if flushes == "two-flushes":
            flush.flush()
        reads(log, article, later)
        assert recorded(article) == (views, 0)

    @pytest.mark.parametrize(
        ("earlier", "views"),
        [(1, 1), (WINDOW - 1, 1), (WINDOW, 2), (WINDOW + 1, 2), (20 * 3600, 2)],
    )
    @pytest.mark.parametrize("flushes", ["one-flush", "two-flushes"])
    def test_a_late_line_counts_unless_it_lies_within_the_window_of_a_counted_read(
        self, log, article, earlier, views, flushes
    ):
        """A host whose logs reach the database late: its reads are older than one counted
        since, and are judged by how far apart the reads were, not by when they arrive."""
        reads(log, article, 0)
        if flushes == "two-flushes":
            flush.flush()
        reads(log, article, -earlier)
        assert recorded(article) == (views, 0)

    def test_the_window_runs_from_the_last_counted_read_not_the_last_read(self, log, article):
        reads(log, article, *(n * (WINDOW - 60) for n in range(7)))
        # 0 counts; 29 minutes is a repeat; 58 counts, 87 not, 116 counts, 145 not, 174 counts.
        assert recorded(article) == (4, 0)
        (sighting,) = ViewSighting.objects.all()
        assert sighting.counted_at == T0 + 6 * (WINDOW - 60), "the last counted read"

    def test_lines_out_of_order_in_one_flush_count_by_their_read_times(self, log, article):
        reads(log, article, WINDOW + 10, 10, WINDOW - 5, 0)
        # In time order: 0 counts, 10 and WINDOW - 5 repeat, WINDOW + 10 counts.
        assert recorded(article) == (2, 0)

    def test_visitors_and_articles_are_deduped_apart(self, log, article):
        another = ArticleFactory()
        reads(log, article, 0, 1, visitor=VISITOR)
        reads(log, article, 2, 3, visitor=OTHER)
        reads(log, another, 4, 5, visitor=VISITOR)
        flush.flush()
        assert (recorded(article), recorded(another)) == ((2, 0), (1, 0))
        assert ViewSighting.objects.count() == 3

    def test_bot_hits_and_views_without_a_visitor_are_never_deduped(self, log, article):
        append(log, article, *[T0] * 5, kind=viewlog.BOT)
        append(log, article, *[T0] * 2)  # a view line written before lines had visitors
        assert recorded(article) == (2, 5)
        assert not ViewSighting.objects.exists()

    @pytest.mark.parametrize("flushes", ["one-flush", "two-flushes"])
    def test_two_processes_logs_of_one_visitor_count_once(self, article, settings, flushes):
        """Two workers of a host, each with a file of its own in the host's folder."""
        folder = settings.ANALYTICS["LOG_DIR"]
        first, second = viewlog.ViewLog(folder), viewlog.ViewLog(folder)
        reads(first, article, 0, 30, 600)
        if flushes == "two-flushes":
            assert flush.flush().views == 1
        reads(second, article, 10, 900, WINDOW - 1)
        assert len(log_files(folder)) == 2
        assert recorded(article) == (1, 0)
        reads(second, article, WINDOW)
        assert recorded(article) == (2, 0)


class TestHostsSharingADatabase:
    """Each host flushes its own folder (LOG_DIR) into the one database."""

    @pytest.fixture
    def hosts(self, tmp_path, settings):
        folders = [tmp_path / "host-a", tmp_path / "host-b"]

        def flush_on(n):
            settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": folders[n]}
            return flush.flush()

        return folders, [viewlog.ViewLog(folder) for folder in folders], flush_on

    def test_one_visitor_reading_through_both_counts_once(self, hosts, article):
        folders, (a, b), flush_on = hosts
        reads(a, article, 0, 60)
        reads(b, article, 30, 120)
        reads(b, article, 45, visitor=OTHER)
        assert flush_on(0).views == 1
        assert flush_on(1).views == 1, "the other visitor; this one's reads are repeats"
        assert counted(article) == (2, 0)

    def test_a_hosts_flush_takes_only_its_own_files(self, hosts, article):
        folders, (a, b), flush_on = hosts
        reads(b, article, 0, visitor=OTHER)
        assert flush_on(1).views == 1
        reads(a, article, 10)
        reads(b, article, WINDOW, visitor=OTHER)
        b.close()  # host b's writer is gone: only host b's flush may finish its file

        assert flush_on(0).views == 1
        assert len(log_files(folders[1])) == 1, "host a leaves host b's file alone"
        b_id = viewlog.ViewLog(folders[1]).folder_id()
        assert ViewLogOffset.objects.filter(name__startswith=f"{b_id}:").count() == 1, (
            "and host b's offset: without it, host b would count its file again"
        )
        assert flush_on(1).views == 1, "only host b's new line"
        assert log_files(folders[1]) == []
        assert flush_on(0) == flush_on(1) == flush.Flushed()
        assert counted(article) == (3, 0)
        assert viewlog.ViewLog(folders[0]).folder_id() != b_id


def test_a_flush_that_dies_half_way_loses_and_repeats_nothing(log, monkeypatch):
    articles = [ArticleFactory() for _ in range(4)]
    for n, article in enumerate(articles, start=1):
        for k in range(10 * n):
            reads(log, article, 0, visitor=f"{k:032x}")
    real_upsert = flush._upsert

    def write_the_days_then_die(model, *args):
        real_upsert(model, *args)
        if model is ArticleHourlyViews:
            raise Crash("killed half-way")

    monkeypatch.setattr(flush, "_upsert", write_the_days_then_die)
    with pytest.raises(Crash):
        flush.flush()
    assert not ArticleDailyViews.objects.exists(), "the half-written flush was rolled back"
    assert not ArticleHourlyViews.objects.exists()
    assert set(Article.objects.values_list("view_count", flat=True)) == {0}
    assert not ViewSighting.objects.exists(), "with the sightings it would have stored"
    assert not ViewLogOffset.objects.exists(), "and the offset it would have saved"

    reads(log, articles[0], 0, visitor="f" * 32)  # readers keep coming while the flush is down
    reads(log, articles[0], 60, visitor="0" * 32)  # a repeat of one read before the crash
    monkeypatch.undo()
    assert flush.flush().views == 10 + 20 + 30 + 40 + 1
    assert [recorded(article) for article in articles] == [(11, 0), (20, 0), (30, 0), (40, 0)]
    assert flush.flush() == flush.Flushed()


def test_a_flush_whose_offset_another_moved_meanwhile_is_rolled_back_whole(
    log, article, monkeypatch
):
    """Two flushes of one folder are kept apart by its lock; should that ever fail (a folder
    shared by mistake), the offset each began from decides, and the loser counts nothing."""
    reads(log, article, 0)
    flush.flush()
    reads(log, article, 10, visitor=OTHER)
    real_read = viewlog.ViewLog.read

    def read_while_another_flush_moves_on(self, offsets):
        segments = real_read(self, offsets)
        ViewLogOffset.objects.update(offset=F("offset") + 1)
        return segments

    monkeypatch.setattr(viewlog.ViewLog, "read", read_while_another_flush_moves_on)
    with pytest.raises(IntegrityError, match="Another flush moved the offset"):
        flush.flush()
    assert counted(article) == (1, 0)
    assert ViewSighting.objects.count() == 1


def test_the_flush_lock_lets_one_flush_of_a_folder_run_and_spaces_them(log, article, clock):
    reads(log, article, 0)
    with log.flush_lock() as ours:
        assert ours
        assert flush.flush() == flush.Flushed(), "another flush of the folder is running"
    assert counted(article) == (0, 0)
    assert flush.flush().views == 1
    # The lock file's time is when the folder's last flush ran (by the kernel's clock).
    last_flush = (log.directory / viewlog.LOCK_NAME).stat().st_mtime
    reads(log, article, 0, visitor=OTHER)
    clock.move_to(datetime.datetime.fromtimestamp(last_flush + 59, datetime.UTC))
    assert flush.flush(min_interval=60) == flush.Flushed(), "one ran less than 60 s ago"
    clock.shift(2)
    assert flush.flush(min_interval=60).views == 1


def test_lines_of_a_deleted_article_are_dropped_not_retried(log):
    kept, deleted = ArticleFactory(), ArticleFactory()
    reads(log, kept, 0, visitor=VISITOR)
    reads(log, kept, 0, visitor=OTHER)
    append(log, kept, T0, kind=viewlog.BOT)
    reads(log, deleted, 0)
    append(log, deleted, T0, kind=viewlog.BOT)
    deleted.delete()
    assert flush.flush() == flush.Flushed(views=2, bot_hits=1)
    assert flush.flush() == flush.Flushed()
    assert recorded(kept) == (2, 1)
    assert not ArticleDailyViews.objects.exclude(article=kept).exists()


def test_lines_logged_before_the_upgrade_are_counted_once(log, article, settings):
    """The format of the release before: `id day kind hour` for bot hits and
    `id day v hour visitor window read_at` for readers' views."""
    hour = T0 // 3600
    folder = settings.ANALYTICS["LOG_DIR"]
    folder.mkdir(parents=True, exist_ok=True)
    old = [
        f"{article.pk} {DAY} b {hour}",
        f"{article.pk} {DAY} b {hour}",
        f"{article.pk} {DAY} v {hour} {VISITOR} {T0 // WINDOW} {T0}",
        f"{article.pk} {DAY} v {hour} {VISITOR} {T0 // WINDOW} {T0 + 60}",  # a repeat
        f"{article.pk} {DAY} v {hour} {OTHER} {T0 // WINDOW} {T0 + 120}",
    ]
    (folder / "4242-oldrelease00.views").write_text("\n".join(old) + "\n")
    reads(log, article, 300)  # the same visitor, after the upgrade: a repeat
    assert flush.flush() == flush.Flushed(views=2, bot_hits=2)
    assert recorded(article) == (2, 2)
    assert daily(article) == (2, 2)
    assert hourly(article) == {hour_start(hour): 2}
    assert "4242-oldrelease00.views" not in log_files(folder), "its finished file is gone"
    assert flush.flush() == flush.Flushed()


def test_a_flush_prunes_day_old_sightings_a_bounded_number_at_a_time(
    log, article, monkeypatch, clock
):
    monkeypatch.setattr(flush, "SIGHTINGS_PRUNED_PER_FLUSH", 3)
    now = T0 + 3600
    day_old = now - flush.SIGHTING_KEEP_SECONDS
    ViewSighting.objects.bulk_create(
        [
            ViewSighting(visitor=f"{n:032x}", article_id=article.pk, counted_at=day_old - 100 + n)
            for n in range(12)
        ]  # fmt: skip
        + [ViewSighting(visitor="c" * 32, article_id=article.pk, counted_at=day_old + 1)]
    )

    reads(log, article, 0)  # one read: 3 + 2 old sightings go, the oldest first
    flush.flush()
    left = sorted(ViewSighting.objects.values_list("counted_at", flat=True))
    assert left == [day_old - 100 + n for n in range(5, 12)] + [day_old + 1, T0]

    reads(log, article, 0, visitor=OTHER)
    flush.flush()
    assert sorted(ViewSighting.objects.values_list("counted_at", flat=True)) == [
        day_old - 100 + 10,
        day_old - 100 + 11,
        day_old + 1,
        T0,
        T0,
    ]

    clock.shift(2)  # the youngest is now more than a day old too
    reads(log, article, 1, visitor="d" * 32)
    flush.flush()
    assert sorted(ViewSighting.objects.values_list("visitor", flat=True)) == sorted(
        [VISITOR, OTHER, "d" * 32]
    )


@pytest.mark.parametrize("lines", [1, 500])
def test_one_flush_costs_the_same_queries_for_1_line_or_500(log, lines, django_assert_num_queries):
    """Lines of 50 articles, bot hits and views, over two days and many hours, of visitors
    some of whom the database already knows: the statements do not grow with them."""
    articles = [ArticleFactory() for _ in range(min(lines, 50))]
    ViewSighting.objects.bulk_create(
        ViewSighting(visitor=f"{n:032x}", article_id=articles[0].pk, counted_at=T0 - 7200)
        for n in range(0, lines, 7)
    )
    for n in range(lines):
        article = articles[n % len(articles)]
        at = T0 + (n * 613) % (2 * 86400) - 43200
        if n % 5 == 4:
            append(log, article, at, kind=viewlog.BOT)
        else:
            append(log, article, at, visitor=f"{n:032x}")
    flush.flush()  # the offset row exists: later flushes update it, as they mostly do
    for n in range(lines):
        append(log, articles[n % len(articles)], T0 + n, visitor=f"{n + 10_000:032x}")
    # The folder's offsets, then in one transaction (two savepoints in a test): its offset
    # moved on; the visitors' sightings read, written and the oldest pruned; the articles
    # locked and their totals added; the daily and the hourly rows.
    expected = 13 + (connection.vendor == "postgresql")  # the advisory lock
    with django_assert_num_queries(expected):
        assert flush.flush().views == lines
