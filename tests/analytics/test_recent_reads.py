"""The in-process dedupe used without Redis: once per window, forgetting in order."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from analytics import recent


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: now[0])
    return now


def test_a_reader_counts_once_within_the_window_and_again_after(clock):
    reads = recent.RecentReads()
    assert reads.first("a", 1800)
    clock[0] += 1799
    assert not reads.first("a", 1800)
    assert reads.first("b", 1800), "another reader is new"
    clock[0] += 1
    assert reads.first("a", 1800), "the window ended"
    assert not reads.first("a", 1800)


def test_expired_readers_are_forgotten_so_memory_stays_bounded(clock):
    reads = recent.RecentReads()
    for n in range(100):
        reads.first(n, 60)
    clock[0] += 61
    reads.first("new", 60)
    assert len(reads._expiry) == 1


def test_past_the_limit_the_oldest_readers_are_forgotten_first(clock):
    reads = recent.RecentReads(max_entries=3)
    for key in "abcd":
        assert reads.first(key, 60)
    assert reads.first("a", 60), "the oldest was dropped to make room"
    assert not reads.first("d", 60)


def test_many_threads_reading_as_one_visitor_count_once():
    reads = recent.RecentReads()
    with ThreadPoolExecutor(16) as pool:
        firsts = list(pool.map(lambda _: reads.first("one reader", 60), range(500)))
    assert firsts.count(True) == 1
