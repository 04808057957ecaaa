"""Views reach the database with no process but the web server: after a response, the process
that served it flushes the host's logs when FLUSH_SECONDS have passed (flush.flush_if_due)."""

import time

import pytest
import time_machine
from django.test import Client

from analytics import flush
from articles.models import Article
from tests.analytics.conftest import BROWSER
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

EVERY = 60


class Clock:
    """Moves time.time() (by time-machine) and time.monotonic() (which time-machine leaves
    alone) together. The flush lock file's time is the kernel's, which nothing moves, so the
    clock starts 30 s ahead of it and stays ahead however slowly the test runs."""

    def __init__(self, traveller):
        self.traveller = traveller
        self.offset = 0.0

    def monotonic(self, real=time.monotonic):
        return real() + self.offset

    def shift(self, seconds):
        self.traveller.shift(seconds)
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    with time_machine.travel(time.time() + 30, tick=False) as traveller:
        clock = Clock(traveller)
        monkeypatch.setattr(time, "monotonic", clock.monotonic)
        yield clock


@pytest.fixture
def in_band(settings, monkeypatch):
    """Flushing after responses every EVERY seconds, as a process that has not flushed yet."""
    settings.ANALYTICS = {**settings.ANALYTICS, "FLUSH_SECONDS": EVERY}
    monkeypatch.setattr(flush, "_next_check", 0.0)


def read(article, ip):
    return Client().get(article.get_absolute_url(), REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER)


def stored_views(article):
    return Article.objects.get(pk=article.pk).view_count


def test_a_view_reaches_the_database_after_the_response_when_a_flush_is_due(
    clock, in_band, monkeypatch
):
    article = ArticleFactory()
    assert read(article, "203.0.113.1").status_code == 200
    assert stored_views(article) == 1, "flushed after the response, on a host's first view"

    read(article, "203.0.113.2")
    assert stored_views(article) == 1, "this process flushed less than EVERY seconds ago"

    monkeypatch.setattr(flush, "_next_check", 0.0)  # another process of the host, due
    read(article, "203.0.113.3")
    assert stored_views(article) == 1, "but the host flushed less than EVERY seconds ago"

    clock.shift(EVERY)
    read(article, "203.0.113.4")
    assert stored_views(article) == 4, "a whole interval later"


def test_each_process_checks_the_clock_once_per_interval(clock, in_band, monkeypatch):
    """Between its flushes a process does not even look at the host's lock file."""
    article = ArticleFactory()
    read(article, "203.0.113.1")
    flushes = []
    monkeypatch.setattr(flush, "flush", lambda **kwargs: flushes.append(kwargs))
    for n in range(5):
        clock.shift(EVERY / 10)
        read(article, f"203.0.113.{10 + n}")
    assert flushes == []
    clock.shift(EVERY / 2)
    read(article, "203.0.113.20")
    assert flushes == [{"min_interval": EVERY}]


def test_without_in_band_flushing_views_wait_for_the_command(monkeypatch):
    monkeypatch.setattr(flush, "_next_check", 0.0)
    article = ArticleFactory()
    read(article, "203.0.113.1")
    assert stored_views(article) == 0
    assert flush.flush().views == 1


def test_a_flush_that_fails_after_a_response_loses_nothing(clock, in_band, monkeypatch, caplog):
    article = ArticleFactory()

    def database_down(lines):
        raise ConnectionError("the database is restarting")

    with monkeypatch.context() as patch:
        patch.setattr(flush, "ingest", database_down)
        assert read(article, "203.0.113.1").status_code == 200
    assert "Could not flush the view logs" in caplog.text
    assert stored_views(article) == 0

    clock.shift(EVERY)
    read(article, "203.0.113.2")
    assert stored_views(article) == 2, "the next flush takes the lines the failed one left"
