"""Varnish, with the shipped deploy/varnish/default.vcl, in front of two app servers on one
PostgreSQL and one Redis: readers it serves are counted exactly (by the view beacon), an edit
purges the pages that show it within a second, a comment approval purges only its article, and
with every app server dead the cached pages are still served (stale-if-error).

Readers reach Varnish as they would through a TLS front speaking the PROXY protocol (https): each
connection names the reader's address, which is Varnish's client.ip, which Varnish appends to
X-Forwarded-For; the app servers trust only Varnish's address (127.0.0.1).

Run by CI's PostgreSQL + Redis step: `pytest -m scaleout`."""

import gzip
import io
import re
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import timedelta
from typing import NamedTuple

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from analytics.models import ViewSighting
from articles import services as articles
from articles.models import Article
from benchmarks.varnish import ProxiedConnection, Varnish
from comments import services as comments
from comments.models import Comment
from lifescope import edge as lifescope_edge
from tests.factories import ArticleFactory, CommentFactory, SectionFactory
from tests.scale.conftest import BROWSER, app_servers, needs_shared_state

VISITORS = 2000
BEACON = re.compile(rb'<img class="view-beacon" src="(/v/[^"]+)"')

pytestmark = [
    pytest.mark.scaleout,
    needs_shared_state,
    pytest.mark.skipif(
        not shutil.which("varnishd"),
        reason="needs varnishd (apt-get install varnish varnish-modules)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Edge(NamedTuple):
    varnish: Varnish
    hosts: list


@pytest.fixture(scope="module")
def edge(django_db_setup, tmp_path_factory):
    """varnishd with the shipped VCL (benchmarks/varnish.py) in front of two app servers."""
    folder = tmp_path_factory.mktemp("edge")
    varnish = Varnish(folder)
    # The test flushes each host's views itself, as cron would: servers that flushed on their
    # own could hold a transaction while a test's teardown empties the tables (a deadlock).
    # Readers come over https (Varnish's tls listener says so): plain HTTP would be redirected.
    servers = app_servers(
        folder,
        LIFESCOPE_PURGE_URLS=varnish.url,
        LIFESCOPE_VIEW_FLUSH_SECONDS="0",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    with servers as hosts, varnish:
        varnish.start([host.port for host in hosts])
        yield Edge(varnish, hosts)


@pytest.fixture(autouse=True)
def purges_to_varnish(edge, settings):
    """This process saves changes as an app server would, so it purges Varnish as they do."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "PURGE_URLS": [edge.varnish.url]}


class Reader(ProxiedConnection):
    """A browser's connection to Varnish, handed over by a TLS front that names the reader's
    `address` in the PROXY protocol."""

    def get(self, path, **headers):
        headers = {
            "User-Agent": BROWSER,
            "Host": "127.0.0.1",
            "Accept-Encoding": "gzip, br",
            **headers,
        }
        self.request("GET", path, headers=headers)
        response = self.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, response, body


def read(edge, path, address="192.0.2.1", **headers):
    with closing(Reader(edge.varnish.proxy_port, address)) as reader:
        return reader.get(path, **headers)


def test_readers_served_by_varnish_are_counted_exactly(edge, settings):
    article = ArticleFactory()
    url = article.get_absolute_url()

    # Each claims to be the same client: only the address Varnish appends is believed.
    forged = {"X-Forwarded-For": "198.51.100.7"}

    def visit(n):
        """A reader's browser: the page, then its beacon, on one connection."""
        with closing(Reader(edge.varnish.proxy_port, f"10.20.{n // 200}.{n % 200 + 1}")) as reader:
            status, page, body = reader.get(url, **forged)
            assert status == 200
            beacon = BEACON.search(body).group(1).decode()
            status, pixel, _ = reader.get(beacon, **forged)
            assert (status, pixel.getheader("X-Cache")) == (200, "PASS")
            return page.getheader("X-Cache")

    with ThreadPoolExecutor(8) as pool:
        answered = Counter(pool.map(visit, range(VISITORS)))
    # The origin saw at most 2% of the page requests; Varnish answered the rest.
    assert answered["HIT"] >= 0.98 * VISITORS, answered

    for host in edge.hosts:  # what cron runs on each host
        settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": host.log_dir}
        call_command("flush_views", stdout=io.StringIO())
    assert Article.objects.get(pk=article.pk).view_count == VISITORS
    assert ViewSighting.objects.filter(article_id=article.pk).count() == VISITORS


def test_an_edit_is_served_by_varnish_within_a_second(edge):
    article = ArticleFactory(title="The first headline")
    url = article.get_absolute_url()
    read(edge, url)
    status, page, body = read(edge, url)
    assert (status, page.getheader("X-Cache")) == (200, "HIT")
    assert b"The first headline" in body
    assert page.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in page.getheader("Vary")
    # Cookies that change nothing on the page are dropped; a session gets a page of its own.
    assert read(edge, url, Cookie="csrftoken=x; _ga=y")[1].getheader("X-Cache") == "HIT"
    assert read(edge, url, Cookie="csrftoken=x; sessionid=z")[1].getheader("X-Cache") == "PASS"

    saved = time.monotonic()
    with transaction.atomic():
        articles.changing([article.pk])
        article.title = "A corrected headline"
        article.save()
    assert poll(lambda: b"A corrected headline" in read(edge, url)[2], seconds=1.0)
    print(f"edit served by Varnish after {time.monotonic() - saved:.3f} s")


def test_a_comment_approval_purges_its_article_alone(edge):
    story, other = ArticleFactory(), ArticleFactory()
    comment = CommentFactory(article=story, body="An approved remark from a reader.")
    for article in (story, other):
        read(edge, article.get_absolute_url())
    _, before, _ = read(edge, other.get_absolute_url())
    assert before.getheader("X-Cache") == "HIT"

    # A reader cannot purge, with or without names.
    request = {"method": "PURGE", "url": "/", "headers": {"xkey-purge": f"article:{other.pk}"}}
    with closing(Reader(edge.varnish.proxy_port, "203.0.113.9")) as stranger:
        stranger.request(**request)
        assert stranger.getresponse().status == 403

    comments.approve(Comment.objects.filter(pk=comment.pk), notify=False)
    lifescope_edge.wait_for_purges()

    status, page, body = read(edge, story.get_absolute_url())
    assert (status, page.getheader("X-Cache")) == (200, "MISS")
    assert b"An approved remark from a reader." in body
    _, after, _ = read(edge, other.get_absolute_url())
    assert after.getheader("X-Cache") == "HIT"
    # The same stored object: X-Varnish names the request, then the object's own fetch.
    assert after.getheader("X-Varnish").split()[1] == before.getheader("X-Varnish").split()[1]


def test_varnish_serves_cached_pages_while_every_app_server_is_down(edge):
    article = ArticleFactory()
    # A section whose next story comes out in three seconds: its listing is kept only till then.
    section = SectionFactory()
    ArticleFactory(section=section)
    ArticleFactory(section=section, published_at=timezone.now() + timedelta(seconds=3))
    listing = section.get_absolute_url()
    _, first, listed = read(edge, listing)
    kept_for = int(re.search(r"s-maxage=(\d+)", first.getheader("Cache-Control")).group(1))
    assert 0 < kept_for <= 3
    _, _, page = read(edge, article.get_absolute_url())

    for host in edge.hosts:
        host.kill()
    assert read(edge, "/search/?q=anything")[0] == 503  # nothing behind Varnish answers

    assert read(edge, article.get_absolute_url())[2] == page

    def served_stale():
        status, response, body = read(edge, listing)
        assert (status, body) == (200, listed)
        return int(response.getheader("Age")) > kept_for

    assert poll(served_stale, seconds=10)


def poll(check, seconds):
    """Whether `check()` comes true within `seconds`: it is asked again every 20 ms, for
    what happens in other processes (a purge, a server starting, an object's time running
    out)."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
