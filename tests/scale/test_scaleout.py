"""Two hosts, each a server process with its own view log folder, one PostgreSQL and one Redis:
views and comments sent to both add up exactly, a reader counted by one host is a repeat on
the other, and a page one host cached is served from the cache by the other.

Run by CI's PostgreSQL + Redis step: `pytest -m scaleout`."""

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from analytics.models import ViewSighting
from articles.models import Article
from comments.forms import form_token
from comments.models import Comment
from tests.analytics.conftest import log_files
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parents[2]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
VIEWS_EACH, COMMENTS_EACH = 40, 5

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and settings.REDIS_URL),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL: state shared between processes",
    ),
    # serialized_rollback brings back the roles that migrations create, which an earlier
    # transactional test's flush wipes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Host:
    def __init__(self, port, process, folder):
        self.port, self.process, self.folder = port, process, folder

    @property
    def log_dir(self):
        return self.folder / "views"


@pytest.fixture
def hosts(tmp_path):
    """Two gunicorn processes on the test database and the suite's Redis database and prefix,
    each with a folder of its own (LIFESCOPE_VAR_DIR: its view logs) as two hosts have."""
    db = connection.settings_dict
    user, password = (urllib.parse.quote(db[key] or "") for key in ("USER", "PASSWORD"))
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lifescope.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": database_url,
        "LIFESCOPE_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "LIFESCOPE_TRUSTED_PROXIES": "127.0.0.1",
        "LIFESCOPE_COMMENTS_MIN_SECONDS": "0",
        "LIFESCOPE_COMMENTS_RATE_LIMIT": "1000",
    }
    # Production settings serve hashed static files, so the pages need a manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "LIFESCOPE_VAR_DIR": str(tmp_path)},
        check=True,
    )
    started = []
    try:
        for n in range(2):
            folder = tmp_path / f"host-{n}"
            # Bound and listening before the server starts: requests queue until it answers,
            # so nothing has to poll for it.
            listener = socket.create_server(("127.0.0.1", 0))
            command = [
                sys.executable, "-m", "gunicorn", "lifescope.wsgi",
                "--bind", f"fd://{listener.fileno()}",
                "--workers", "2", "--threads", "2", "--log-level", "warning",
            ]  # fmt: skip
            with (tmp_path / f"gunicorn-{n}.log").open("w") as log:
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**env, "LIFESCOPE_VAR_DIR": str(folder)},
                    stdout=log,
                    stderr=log,
                    pass_fds=[listener.fileno()],
                )
            started.append(Host(listener.getsockname()[1], process, folder))
            listener.close()  # the server holds it now
        for host in started:
            status, _, body = request(host.port, "GET", "/healthz", timeout=120)
            assert status == 200, body
        yield started
    finally:
        for host in started:
            host.process.send_signal(signal.SIGTERM)
            host.process.wait(timeout=30)


def request(port, method, path, body=None, timeout=30, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": BROWSER, "Host": "127.0.0.1", **headers}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


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
