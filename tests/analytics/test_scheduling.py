"""Views reach the database and the rankings move without any process but the web server."""

import datetime
import os

import pytest
from django.core.cache import cache
from django.test import Client

from analytics import filebuffer, rankings, scheduling, services
from articles.models import Article
from lifescope import page_cache
from tests.analytics.conftest import BROWSER
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_band(settings, monkeypatch):
    """Flushing after responses on, with this process's clock check due. A minute apart, not
    production's second, so a slow machine cannot make the next flush due within a test."""
    settings.ANALYTICS = {**settings.ANALYTICS, "FLUSH_SECONDS": 60}
    monkeypatch.setattr(scheduling, "_next_check", 0.0)
    # This test process must not flush into the real database as it exits.
    monkeypatch.setattr(scheduling, "_exit_flush_registered", True)


@pytest.fixture
def file_buffer(settings):
    settings.ANALYTICS = {**settings.ANALYTICS, "BUFFER_IN_REDIS": False}


def read(article, ip):
    return Client().get(article.get_absolute_url(), REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER)


def stored_views(article):
    return Article.objects.get(pk=article.pk).view_count


def test_a_view_reaches_the_database_after_the_response_when_a_flush_is_due(
    file_buffer, in_band, monkeypatch
):
    article = ArticleFactory()
    assert read(article, "203.0.113.1").status_code == 200
    assert stored_views(article) == 1, "flushed after the response, with no command run"

    monkeypatch.setattr(scheduling, "_next_check", 0.0)  # another process, due as well
    read(article, "203.0.113.2")
    assert stored_views(article) == 1, "but a flush ran less than an interval ago"
    assert services.flush_views().views == 1


def test_without_in_band_flushing_views_wait_for_the_command(file_buffer, monkeypatch):
    monkeypatch.setattr(scheduling, "_next_check", 0.0)
    article = ArticleFactory()
    read(article, "203.0.113.1")
    assert stored_views(article) == 0
    assert services.flush_views().views == 1


def test_with_redis_one_process_flushes_per_interval_for_the_whole_site(
    redis_buffer, in_band, monkeypatch
):
    article = ArticleFactory()
    read(article, "203.0.113.1")
    assert stored_views(article) == 1
    assert redis_buffer.pending() == []

    monkeypatch.setattr(scheduling, "_next_check", 0.0)  # another process, due by its clock
    read(article, "203.0.113.2")
    assert stored_views(article) == 1, "the site's gate holds"
    # An interval later, for the host's files and for the site.
    os.utime(services.local_buffer().directory / filebuffer.LOCK_NAME, (0, 0))
    cache.delete(scheduling.FLUSH_GATE_KEY)
    monkeypatch.setattr(scheduling, "_next_check", 0.0)
    read(article, "203.0.113.3")
    assert stored_views(article) == 3


def test_a_worker_flushes_its_file_as_it_exits(file_buffer):
    article = ArticleFactory()
    view_buffer = scheduling.writer()
    view_buffer.add(article.pk, datetime.date(2026, 3, 2))
    scheduling._flush_at_exit()
    assert stored_views(article) == 1
    assert view_buffer.names() == [], "its finished file is gone"


def test_rankings_that_moved_retire_the_cached_pages(django_capture_on_commit_callbacks):
    leader, follower = ArticleFactory(view_count=10), ArticleFactory(view_count=5)
    ranked = rankings.ranking("all")
    assert [pk for pk, _ in ranked] == [leader.pk, follower.pk]
    generation = page_cache.current_generation()

    Article.objects.filter(pk=follower.pk).update(view_count=50)  # as a flush would
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.refresh_rankings_if_due()
    assert [pk for pk, _ in rankings.ranking("all")] == [follower.pk, leader.pk]
    assert page_cache.current_generation() != generation


def test_rankings_that_did_not_move_leave_the_cached_pages_alone(
    django_capture_on_commit_callbacks,
):
    ArticleFactory(view_count=10)
    rankings.ranking("all")
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        assert not scheduling.refresh_rankings_if_due()
    assert page_cache.current_generation() == generation


def test_rankings_are_refreshed_at_most_once_per_interval():
    ArticleFactory(view_count=10)
    scheduling.refresh_rankings_if_due()
    rankings.ranking("all")
    Article.objects.update(view_count=20)
    assert not scheduling.refresh_rankings_if_due()
    assert rankings.ranking("all")[0][1] == 10.0, "the cached ranking stands until it is due"
