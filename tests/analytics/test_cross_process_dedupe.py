"""A visitor whose reloads land on different worker processes, or on different hosts, counts
once: each process only logs, and the flush dedupes in the database."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analytics import flush
from tests.analytics.conftest import counted, log_files
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VISITOR = "0123456789abcdef0123456789abcdef"


def worker_reads(folder, article_id, reads_by_visitor):
    """Another worker process, logging to a file of its own in `folder` as a web process
    counting these reads would: `reads_by_visitor` maps visitor keys to how often they read."""
    script = textwrap.dedent(
        f"""
        import os
        import django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
        django.setup()
        from django.conf import settings
        settings.ANALYTICS = {{**settings.ANALYTICS, "LOG_DIR": {str(folder)!r}}}
        from analytics import counting, viewlog
        for visitor, reads in {reads_by_visitor!r}.items():
            for _ in range(reads):
                counting.record({article_id}, viewlog.VIEW, visitor)
        """
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)


def run(*workers):
    for worker in workers:
        assert worker.wait(timeout=120) == 0


@pytest.fixture
def flush_host(settings):
    """Flushes the folder of one host (its LOG_DIR), as that host's processes would."""

    def flush_folder(folder):
        settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": folder}
        return flush.flush(wait=True)

    return flush_folder


@pytest.fixture
def folder(settings):
    return settings.ANALYTICS["LOG_DIR"]


def test_one_visitor_reloading_100_times_across_two_processes_counts_once(folder, flush_host):
    article = ArticleFactory()
    run(
        worker_reads(folder, article.pk, {VISITOR: 50}),
        worker_reads(folder, article.pk, {VISITOR: 50}),
    )
    assert len(log_files(folder)) == 2, "each worker wrote a file of its own"
    assert flush_host(folder).views == 1
    assert log_files(folder) == [], "both workers are gone: their files are finished"
    assert counted(article) == (1, 0)


def test_distinct_visitors_across_processes_each_count_once(folder, flush_host):
    article = ArticleFactory()
    shared = {f"{n:032x}": 3 for n in range(40)}  # read through both workers
    own = [{f"{n:032x}": 2 for n in range(start, start + 30)} for start in (100, 200)]
    run(
        worker_reads(folder, article.pk, {**shared, **own[0]}),
        worker_reads(folder, article.pk, {**shared, **own[1]}),
    )
    assert flush_host(folder).views == 40 + 30 + 30
    assert counted(article) == (100, 0)


def test_one_visitor_read_through_two_hosts_counts_once_flushed_by_each(tmp_path, flush_host):
    article = ArticleFactory()
    hosts = [tmp_path / "host-a", tmp_path / "host-b"]
    run(
        worker_reads(hosts[0], article.pk, {VISITOR: 20, "a" * 32: 1}),
        worker_reads(hosts[1], article.pk, {VISITOR: 20, "b" * 32: 1}),
    )
    assert flush_host(hosts[0]).views == 2
    assert flush_host(hosts[1]).views == 1, "the shared visitor was counted by host a"
    assert counted(article) == (3, 0)
