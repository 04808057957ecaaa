"""When Redis cannot answer, views still count, once per visitor, in the database."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from analytics import buffer, services
from analytics.models import ArticleDailyViews, FallbackSighting
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


class UnreachableBuffer:
    def add(self, *args, **kwargs):
        raise RedisConnectionError("Connection refused")

    add_first_read = ship = add


def flush_after_responses():
    """What a web process does a moment after its responses, with Redis as it is now."""
    services.flush_files(services.local_buffer(), wait=True, view_buffer=buffer.get_buffer())


@pytest.fixture
def redis_down(monkeypatch):
    monkeypatch.setattr(buffer, "get_buffer", lambda: UnreachableBuffer())


def test_views_during_an_outage_are_written_to_the_database(read, redis_down):
    article = ArticleFactory()

    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        assert read(article, ip=address).status_code == 200
    flush_after_responses()

    article.refresh_from_db()
    assert article.view_count == 3
    assert ArticleDailyViews.objects.get(article=article).views == 3


def test_a_reloading_visitor_still_counts_once_during_an_outage(read, redis_down):
    article = ArticleFactory()

    for _ in range(5):
        read(article, ip="203.0.113.9")
    flush_after_responses()

    article.refresh_from_db()
    assert article.view_count == 1
    assert FallbackSighting.objects.count() == 1
