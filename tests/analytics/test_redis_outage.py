"""Counting never talks to Redis: with Redis unreachable, every view still counts exactly,
once per visitor, and no step of a view's path tries to reach it."""

import pytest
import redis.connection
from django.core.cache import cache
from django.test import RequestFactory

from analytics import counting, flush, viewlog
from tests.analytics.conftest import BROWSER, GOOGLEBOT, counted, recorded
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_attempts(monkeypatch):
    """Every attempt to open a connection to Redis, refused and remembered."""
    attempts = []

    def refuse(connection, *args, **kwargs):
        attempts.append(f"{connection.host}:{connection.port}")
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect_check_health", refuse)
    return attempts


def test_views_during_an_outage_count_exactly_once_per_visitor(read, redis_unreachable):
    article = ArticleFactory()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.3"):
        assert read(article, ip=address).status_code == 200
    assert read(article, user_agent=GOOGLEBOT).status_code == 200
    assert recorded(article) == (3, 1)


def test_counting_and_flushing_never_reach_for_redis(redis_unreachable, redis_attempts):
    article = ArticleFactory()
    for n in range(5):
        request = RequestFactory().get(
            "/", REMOTE_ADDR=f"203.0.113.{n % 3}", HTTP_USER_AGENT=BROWSER
        )
        assert counting.count_read(request, article.pk)
    assert flush.flush(wait=True).views == 3
    assert redis_attempts == []


def test_a_view_counted_at_once_never_reaches_for_redis_either(
    redis_unreachable, redis_attempts, monkeypatch
):
    article = ArticleFactory()

    def disk_full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(viewlog.ViewLog, "append", disk_full)
    counting.record(article.pk, viewlog.VIEW, "a" * 32)
    counting.record(article.pk, viewlog.VIEW, "a" * 32)
    counting.record(article.pk, viewlog.BOT)
    assert counted(article) == (1, 1)
    assert redis_attempts == []


def test_the_fixture_would_see_an_attempt(redis_unreachable, redis_attempts):
    """The guard above is real: the cache of this outage does try Redis, and is refused."""
    assert cache.get("anything") is None
    assert redis_attempts
