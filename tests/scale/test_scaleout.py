"""Two server processes on two ports, one PostgreSQL and one Redis: views and comments sent to
both add up exactly, and a page one process cached is served from the cache by the other.

Run by CI's PostgreSQL + Redis step: `pytest -m scaleout`."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from analytics import services as analytics_services
from articles.models import Article
from comments.forms import form_token
from comments.models import Comment
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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers(tmp_path):
    """Two gunicorn processes on the test database and the suite's Redis database and prefix."""
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
        "DATABASE_URL": database_url,
        "LIFESCOPE_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "LIFESCOPE_VAR_DIR": str(tmp_path),
        "LIFESCOPE_TRUSTED_PROXIES": "127.0.0.1",
        "LIFESCOPE_COMMENTS_MIN_SECONDS": "0",
        "LIFESCOPE_COMMENTS_RATE_LIMIT": "1000",
    }
    # Production settings serve hashed static files, so the pages need a manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    started = []
    for _ in range(2):
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "lifescope.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--threads", "2", "--log-level", "warning",
        ]  # fmt: skip
        log = (tmp_path / f"gunicorn-{port}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        started.append((port, process))
    try:
        for port, _ in started:
            wait_until_serving(port)
        yield [port for port, _ in started]
    finally:
        for _, process in started:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_until_serving(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not start")


def request(port, method, path, body=None, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"User-Agent": BROWSER, "Host": "127.0.0.1", **headers}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_views_and_comments_sent_to_two_processes_add_up_exactly(servers):
    article = ArticleFactory(published_at=timezone.now() - timedelta(hours=2))
    url = article.get_absolute_url()

    for n in range(VIEWS_EACH):
        for index, port in enumerate(servers):
            status, _, _ = request(port, "GET", url, **{"X-Forwarded-For": f"10.{index}.0.{n}"})
            assert status == 200
    # A page is cached once for both processes, and a reader process 0 counted is a repeat
    # on process 1: the page cache and the visitors seen live in Redis.
    repeat = request(servers[1], "GET", url, **{"X-Forwarded-For": "10.0.0.0"})
    assert repeat[1].get("X-Page-Cache") == "hit"

    token = form_token(article, now=timezone.now() - timedelta(seconds=60))
    for n in range(COMMENTS_EACH):
        for index, port in enumerate(servers):
            form = urllib.parse.urlencode(
                {
                    "name": f"Reader {index}-{n}",
                    "email": f"reader{index}-{n}@example.com",
                    "body": f"Comment {n} sent to process {index}.",
                    "token": token,
                }
            )
            status, _, _ = request(
                port,
                "POST",
                f"{url}comments/",
                form,
                **{"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 302

    analytics_services.flush_views()
    assert Article.objects.get(pk=article.pk).view_count == 2 * VIEWS_EACH
    assert Comment.objects.filter(article=article).count() == 2 * COMMENTS_EACH
