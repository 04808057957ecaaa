"""Two hosts, each a server process with its own view log folder, one PostgreSQL and one Redis:
views and comments sent to both add up exactly, a reader counted by one host is a repeat on
the other, and a page one host cached is served from the cache by the other.

Run by CI's PostgreSQL + Redis step: `pytest -m scaleout`."""

import io
import urllib.parse
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.models import ViewSighting
from articles.models import Article
from comments.forms import form_token
from comments.models import Comment
from tests.analytics.conftest import log_files
from tests.factories import ArticleFactory
from tests.scale.conftest import app_servers, needs_shared_state, request

VIEWS_EACH, COMMENTS_EACH = 40, 5

pytestmark = [
    pytest.mark.scaleout,
    needs_shared_state,
    # serialized_rollback brings back the roles that migrations create, which an earlier
    # transactional test's flush wipes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def hosts(tmp_path):
    with app_servers(tmp_path) as started:
        yield started


def test_views_and_comments_sent_to_two_hosts_add_up_exactly(hosts, settings):
    article = ArticleFactory(published_at=timezone.now() - timedelta(hours=2))
    url = article.get_absolute_url()

    for n in range(VIEWS_EACH):
        for index, host in enumerate(hosts):
            forwarded = {"X-Forwarded-For": f"10.{index}.0.{n}"}
            assert request(host.port, "GET", url, **forwarded)[0] == 200
    # A page is cached once for both hosts: the page cache lives in Redis. A reader host 0
    # counted, reading again on host 1, is a repeat: the database dedupes both hosts' logs.
    repeat = request(hosts[1].port, "GET", url, **{"X-Forwarded-For": "10.0.0.0"})
    assert repeat[1].get("X-Page-Cache") == "hit"

    token = form_token(article, now=timezone.now() - timedelta(seconds=60))
    for n in range(COMMENTS_EACH):
        for index, host in enumerate(hosts):
            form = urllib.parse.urlencode(
                {
                    "name": f"Reader {index}-{n}",
                    "email": f"reader{index}-{n}@example.com",
                    "body": f"Comment {n} sent to host {index}.",
                    "token": token,
                }
            )
            status, _, _ = request(
                host.port,
                "POST",
                f"{url}comments/",
                form,
                **{"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 302

    for host in hosts:
        assert log_files(host.log_dir), "each host logs its views in its own folder"
        # What cron runs on each host; the servers also flush after their responses.
        settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": host.log_dir}
        call_command("flush_views", stdout=io.StringIO())
    assert Article.objects.get(pk=article.pk).view_count == 2 * VIEWS_EACH
    assert ViewSighting.objects.filter(article_id=article.pk).count() == 2 * VIEWS_EACH
    assert Comment.objects.filter(article=article).count() == 2 * COMMENTS_EACH
