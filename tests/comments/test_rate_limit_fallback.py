"""While Redis is down, the comment rate limits are counted in the database: still enforced."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection

from comments.models import Comment, RateLimitWindow
from comments.moderation import POSTS, count_attempt_in_database
from tests.factories import ArticleFactory

FIRST_ATTEMPT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_flood_is_refused_with_429_while_redis_is_down(post_comment, rules, redis_unreachable):
    rules(RATE_LIMIT_POSTS=3, RATE_LIMIT_SECONDS=600)
    article = ArticleFactory()

    statuses = [post_comment(article, body=f"Comment number {n}").status_code for n in range(5)]
    refused = post_comment(article, body="One more")
    other_client = post_comment(article, body="From elsewhere", address="192.0.2.99")

    assert statuses == [302, 302, 302, 429, 429]
    assert refused["Retry-After"] == "600"
    assert "Please slow down" in refused.content.decode()
    assert other_client.status_code == 302
    assert Comment.objects.count() == 4
    assert sorted(
        RateLimitWindow.objects.filter(budget=POSTS).values_list("attempts", flat=True)
    ) == [1, 6]


@pytest.mark.django_db
def test_windows_that_have_ended_are_pruned_when_a_new_one_starts():
    with time_machine.travel(FIRST_ATTEMPT, tick=False):
        count_attempt_in_database(POSTS, "client-a", 600)
        count_attempt_in_database(POSTS, "client-b", 600)
    with time_machine.travel(FIRST_ATTEMPT + timedelta(seconds=300), tick=False):
        count_attempt_in_database(POSTS, "client-c", 600)
    with time_machine.travel(FIRST_ATTEMPT + timedelta(seconds=700), tick=False):
        count_attempt_in_database(POSTS, "client-d", 600)

    assert sorted(RateLimitWindow.objects.values_list("fingerprint", flat=True)) == [
        "client-c",
        "client-d",
    ]


needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL")


@needs_redis
@pytest.mark.django_db
def test_counting_returns_to_redis_when_it_comes_back(post_comment, rules, redis_unreachable):
    rules(RATE_LIMIT_POSTS=2)
    article = ArticleFactory()
    assert post_comment(article, body="During the outage").status_code == 302
    assert RateLimitWindow.objects.get(budget=POSTS).attempts == 1

    redis_unreachable.end()
    statuses = [post_comment(article, body=f"After it, {n}").status_code for n in range(3)]

    # The cache starts a fresh count; the database row is left alone.
    assert statuses == [302, 302, 429]
    assert RateLimitWindow.objects.get(budget=POSTS).attempts == 1


@needs_redis
@pytest.mark.django_db
def test_with_redis_up_the_database_counts_nothing(post_comment):
    article = ArticleFactory()
    assert post_comment(article).status_code == 302
    assert post_comment(article, body="x").status_code == 400
    assert not RateLimitWindow.objects.exists()


THREADS = 16


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_attempts_of_one_client_are_each_counted_once(share_database):
    share_database()

    def in_a_thread(function):
        """Runs on a connection of its own, which reads the threads' database."""
        try:
            return function()
        finally:
            connection.close()

    def attempt(_):
        return in_a_thread(lambda: count_attempt_in_database(POSTS, "busy-client", 600))

    with ThreadPoolExecutor(THREADS) as pool:
        counts = list(pool.map(attempt, range(THREADS)))
        stored = pool.submit(
            in_a_thread, lambda: RateLimitWindow.objects.get(fingerprint="busy-client").attempts
        ).result()

    assert sorted(counts) == list(range(1, THREADS + 1))
    assert stored == THREADS
