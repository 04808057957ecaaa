"""Simultaneous readers: every distinct one counts, one visitor counts once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import RequestFactory

from analytics import flush, viewlog
from analytics.counting import count_read
from tests.analytics.conftest import BROWSER, recorded
from tests.factories import ArticleFactory

# serialized_rollback restores the roles that migrations create, which a flush would wipe.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 16


@pytest.fixture
def article(share_database):
    """An article, in a database the threads share."""
    article = ArticleFactory()
    share_database()
    return article


def in_a_thread(function, *args):
    """Runs `function` on a fresh connection (so it reads the threads' database)."""

    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def hammer(article, addresses):
    """Counts one read of `article` per address, from 16 threads at once: True for each
    read sent on to the log."""

    def one(address):
        try:
            request = RequestFactory().get("/", REMOTE_ADDR=address, HTTP_USER_AGENT=BROWSER)
            return count_read(request, article.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, addresses))


def test_distinct_readers_at_once_are_all_counted(article):
    outcomes = hammer(article, [f"10.1.{n // 250}.{n % 250}" for n in range(400)])
    assert outcomes == [True] * 400
    assert in_a_thread(recorded, article) == (400, 0)


def test_one_reader_many_times_at_once_counts_once(article):
    outcomes = hammer(article, ["203.0.113.50"] * 200)
    assert outcomes == [True] * 200, "each read is logged; the flush tells repeats apart"
    assert in_a_thread(recorded, article) == (1, 0)


def test_flushes_running_while_readers_arrive_count_every_view_once(article):
    """A flush every few milliseconds, racing 16 counting threads: no view lost or doubled."""
    stop = threading.Event()

    def flush_until_stopped():
        flushed = 0
        try:
            while not stop.is_set():
                flushed += flush.flush().views
        finally:
            connection.close()
        return flushed

    with ThreadPoolExecutor(1) as flusher:
        running = flusher.submit(flush_until_stopped)
        outcomes = hammer(article, [f"10.2.{n // 250}.{n % 250}" for n in range(600)])
        stop.set()
        flushed_meanwhile = running.result()
    assert outcomes == [True] * 600
    assert in_a_thread(recorded, article) == (600, 0)
    assert flushed_meanwhile > 0, "the flushes really ran during the reads"


def test_two_hosts_flushing_the_same_visitors_at_once_count_each_once(article):
    """Two hosts' flushes meet in the database at the same moment with the same 300 visitors'
    reads: the lock of the database (PostgreSQL's advisory lock, SQLite's one writer) lets
    one of them count each visitor, and the other finds them all counted."""
    now = int(time.time())
    lines = [viewlog.Line(0, now, article.pk, viewlog.VIEW, f"{n:032x}") for n in range(300)]
    start = threading.Barrier(2)

    def flush_host():
        try:
            start.wait(timeout=30)
            return flush.ingest(lines).views
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        counted = sorted(pool.map(lambda _: flush_host(), range(2)))
    assert counted == [0, 300]
    assert in_a_thread(recorded, article) == (300, 0)
