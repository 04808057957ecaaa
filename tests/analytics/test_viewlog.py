"""The view logs: every line reaches the database exactly once, whatever dies, and finished
files go (analytics/viewlog.py)."""

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from analytics import flush, rankings, viewlog
from analytics.models import ArticleDailyViews, ArticleHourlyViews, ViewLogOffset
from tests.analytics.conftest import GOOGLEBOT, append, log_files, recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


class Crash(Exception):
    pass


@pytest.fixture
def log():
    return viewlog.local_log()


@pytest.fixture
def folder():
    return Path(settings.ANALYTICS["LOG_DIR"])


def visitors(count, start=0):
    return [f"{n:032x}" for n in range(start, start + count)]


def append_reads(log, article, count, start=0):
    """`count` reads of `article` by as many visitors, now."""
    for visitor in visitors(count, start):
        append(log, article, int(time.time()), visitor=visitor)


def writer_process(directory, article_id, views, then="wait"):
    """Another worker: appends `views` reads by as many visitors to a file of its own, says so,
    then waits, its file locked, until it is killed (or exits at once)."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from analytics import viewlog
        log = viewlog.ViewLog({str(directory)!r})
        for n in range({views}):
            log.append(viewlog.line(int(time.time()), {article_id}, "v", f"{{n:032x}}"))
        print("written", flush=True)
        if {then == "wait"}:
            sys.stdin.read()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "written"
    return process


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdin.close()
    process.stdout.close()


def test_a_read_is_one_line_in_the_log_and_nothing_in_the_database_before_a_flush(read, folder):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, ip="203.0.113.2")  # a repeat, which only the flush knows
    read(article, user_agent=GOOGLEBOT)
    assert ArticleDailyViews.objects.count() == 0
    (name,) = log_files(folder)
    lines = viewlog.parse((folder / name).read_bytes())
    assert [(line.article_id, line.kind) for line in lines] == [(article.pk, "v")] * 3 + [
        (article.pk, "b")
    ]
    assert lines[0].visitor != lines[1].visitor == lines[2].visitor
    assert lines[3].visitor  # a bot's too: the flush pairs its page and beacon hits by it
    assert abs(lines[0].read_at - time.time()) < 60
    assert recorded(article) == (2, 1)
    assert flush.flush() == flush.Flushed(), "a second flush finds nothing new"
    assert recorded(article) == (2, 1)


def test_a_counted_view_is_also_kept_by_the_hour_for_the_24_hour_ranking(read):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, user_agent=GOOGLEBOT)
    flush.flush()
    (row,) = ArticleHourlyViews.objects.filter(article=article)
    assert row.views == 2, "bot hits are not ranked"
    assert datetime.timedelta(0) <= timezone.now() - row.hour < datetime.timedelta(hours=1)
    assert rankings.compute("24h", 5) == [(article.pk, 2.0)]


def test_the_file_of_a_killed_worker_is_flushed_once_and_deleted(folder):
    article = ArticleFactory()
    worker = writer_process(folder, article.pk, 40)
    try:
        assert flush.flush().views == 40, "a live worker's views are read too"
        assert len(log_files(folder)) == 1, "but its file stays while it may append"
        assert ViewLogOffset.objects.count() == 1
    finally:
        kill(worker)
    assert flush.flush() == flush.Flushed()
    assert log_files(folder) == [], "once it is dead, its finished file goes"
    assert not ViewLogOffset.objects.exists(), "and its offset with it"
    assert recorded(article) == (40, 0)


def test_views_a_worker_wrote_just_before_it_was_killed_are_flushed_after(log, folder):
    article = ArticleFactory()
    kill(writer_process(folder, article.pk, 12))
    append_reads(log, article, 3, start=100)  # this process's own, in a file of its own
    assert flush.flush().views == 15
    assert flush.flush() == flush.Flushed()
    assert len(log_files(folder)) == 1, "only the live writer's file is left"
    assert recorded(article) == (15, 0)


def test_a_half_written_last_line_of_a_dead_worker_is_dropped_alone(folder):
    article = ArticleFactory()
    worker = writer_process(folder, article.pk, 5, then="exit")
    worker.wait(timeout=30)
    worker.stdout.close()
    worker.stdin.close()
    (name,) = log_files(folder)
    with open(folder / name, "ab") as file:
        file.write(f"{int(time.time())} {article.pk}".encode())  # killed in the middle of a write
    assert flush.flush().views == 5
    assert log_files(folder) == []
    assert recorded(article) == (5, 0)


def test_a_half_written_line_of_a_live_writer_waits_for_its_end(log, folder):
    article = ArticleFactory()
    append_reads(log, article, 2)
    (name,) = log_files(folder)
    line = viewlog.line(int(time.time()), article.pk, viewlog.VIEW, "f" * 32)
    with open(folder / name, "ab") as file:
        file.write(line[:5])
        file.flush()
        assert flush.flush().views == 2
        file.write(line[5:])
    assert flush.flush().views == 1
    assert recorded(article) == (3, 0)


def test_malformed_lines_are_skipped_and_the_others_counted(folder, caplog):
    article = ArticleFactory()
    now = int(time.time())
    good = viewlog.line(now, article.pk, viewlog.VIEW, "a" * 32)
    bot = viewlog.line(now, article.pk, viewlog.BOT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "4242-damaged0000.views").write_bytes(
        b"".join(
            [
                good,
                b"\n",  # empty
                b"garbage\n",
                f"{now} {article.pk} x\n".encode(),  # no such kind
                f"{now} {article.pk} v a b\n".encode(),  # two visitors
                f"{now} not-an-id v\n".encode(),
                "é ü v\n".encode(),
                b"\xff\xfe\n",
                bot,
            ]
        )
    )
    assert flush.flush() == flush.Flushed(views=1, bot_hits=1)
    assert caplog.text.count("Skipped a malformed line") == 7
    assert log_files(folder) == [], "a finished file goes, its bad lines with it"
    assert recorded(article) == (1, 1)


def test_a_writer_starts_a_new_file_when_its_own_is_large_and_the_old_ones_go(
    log, folder, monkeypatch
):
    article = ArticleFactory()
    monkeypatch.setattr(viewlog, "ROTATE_BYTES", 100)
    append_reads(log, article, 30)
    assert len(log_files(folder)) > 5
    assert flush.flush().views == 30
    assert len(log_files(folder)) == 1, "only the file still being written stays"
    assert ViewLogOffset.objects.count() == 1
    assert recorded(article) == (30, 0)


def test_a_flush_that_dies_after_its_commit_is_not_written_twice(log, folder, monkeypatch):
    article = ArticleFactory()
    append_reads(log, article, 25)
    log.close()  # the writer is gone, so the flush would delete its file

    def die(self, segment):
        raise Crash("killed before deleting the file")

    monkeypatch.setattr(viewlog.ViewLog, "delete_if_finished", die)
    with pytest.raises(Crash):
        flush.flush()
    assert ArticleDailyViews.objects.get(article=article).views == 25

    monkeypatch.undo()
    assert flush.flush() == flush.Flushed()
    assert recorded(article) == (25, 0)
    assert log_files(folder) == [] and not ViewLogOffset.objects.exists()


def test_a_forked_child_writes_a_file_of_its_own(log, folder):
    article = ArticleFactory()
    append_reads(log, article, 1)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        try:
            append_reads(log, article, 2, start=10)
        finally:
            os._exit(0 if len(log_files(folder)) == 2 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    append_reads(log, article, 1, start=20)  # the parent still appends to its own file
    assert flush.flush().views == 4
    assert len(log_files(folder)) == 1, "the child's finished file is gone"


def test_a_forked_child_does_not_keep_its_parents_file_from_being_finished(log, folder):
    """A worker that forks (a subprocess, a pool) and then exits: its file is finished even
    while the child lives on, which has no view to write."""
    article = ArticleFactory()
    append_reads(log, article, 1)
    (parents,) = log_files(folder)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child lives on until the parent closes the pipe
        os.close(write_end)
        os.read(read_end, 1)
        os._exit(0)
    os.close(read_end)
    try:
        log.close()  # the parent is done
        assert flush.flush().views == 1
        assert log_files(folder) == [], f"{parents}, finished, is deleted"
    finally:
        os.close(write_end)
        os.waitpid(child, 0)
    assert recorded(article) == (1, 0)
