"""Varnish, with the shipped deploy/varnish/default.vcl, in front of two app servers on one
PostgreSQL and one Redis: readers it serves are counted exactly (by the view beacon), an edit
purges the pages that show it within a second, a comment approval purges only its article, and
with every app server dead the cached pages are still served (stale-if-error).

Readers reach Varnish as they would through a TLS front speaking the PROXY protocol: each
connection names the reader's address, which is Varnish's client.ip, which Varnish appends to
X-Forwarded-For; the app servers trust only Varnish's address (127.0.0.1).

Run by CI's PostgreSQL + Redis step: `pytest -m scaleout`."""

import gzip
import http.client
import io
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from analytics.models import ViewSighting
from articles import services as articles
from articles.models import Article
from comments import services as comments
from comments.models import Comment
from lifescope import edge as lifescope_edge
from tests.factories import ArticleFactory, CommentFactory, SectionFactory
from tests.scale.conftest import BROWSER, ROOT, app_servers, needs_shared_state

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

# The deployment's part of the VCL (deploy/varnish/backends.vcl is the shipped example), for
# the test's ports: probed often, and taken out only after five failures in a row, so a busy
# machine does not make a server look dead.
BACKENDS_VCL = """
import directors;
probe healthz {{
    .request = "GET /healthz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 500ms; .timeout = 2s; .window = 5; .threshold = 1; .initial = 1;
}}
{backends}
sub vcl_init {{
    new origin = directors.round_robin();
{adds}
}}
acl purgers {{ "127.0.0.1"; }}
"""


class Edge:
    """varnishd and the app servers behind it: `port` takes readers (PROXY protocol), `inside`
    plain HTTP from the site's own hosts (purges)."""

    def __init__(self, port, inside, hosts, process):
        self.port, self.inside, self.hosts, self.process = port, inside, hosts, process

    @property
    def purge_url(self):
        return f"http://127.0.0.1:{self.inside}/"


@pytest.fixture(scope="module")
def edge(django_db_setup, tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    port, inside = free_port(), free_port()
    purge_urls = f"http://127.0.0.1:{inside}/"
    with app_servers(folder, LIFESCOPE_PURGE_URLS=purge_urls) as hosts:
        vcl = folder / "vcl"
        vcl.mkdir()
        shutil.copy(ROOT / "deploy" / "varnish" / "default.vcl", vcl)
        (vcl / "backends.vcl").write_text(
            BACKENDS_VCL.format(
                backends="\n".join(
                    f'backend app{n} {{ .host = "127.0.0.1"; .port = "{host.port}"; '
                    ".probe = healthz; }"
                    for n, host in enumerate(hosts)
                ),
                adds="\n".join(f"    origin.add_backend(app{n});" for n in range(len(hosts))),
            )
        )
        command = [
            "varnishd", "-F", "-j", "none", "-n", str(folder / "varnishd"),
            "-a", f"127.0.0.1:{port},PROXY", "-a", f"127.0.0.1:{inside}",
            "-p", f"vcl_path={vcl}", "-f", str(vcl / "default.vcl"), "-s", "malloc,64m",
        ]  # fmt: skip
        with (folder / "varnishd.log").open("w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            assert poll(lambda: answers(inside), seconds=30), (folder / "varnishd.log").read_text()
            yield Edge(port, inside, hosts, process)
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(autouse=True)
def purges_to_varnish(edge, settings):
    """This process saves changes as an app server would, so it purges Varnish as they do."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "PURGE_URLS": [edge.purge_url]}


class Reader(http.client.HTTPConnection):
    """A browser's connection to Varnish, handed over by a TLS front that names the reader's
    `address` in the PROXY protocol."""

    def __init__(self, port, address):
        super().__init__("127.0.0.1", port, timeout=30)
        self.address = address

    def connect(self):
        super().connect()
        self.sock.sendall(f"PROXY TCP4 {self.address} 127.0.0.1 40000 443\r\n".encode())

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
    with closing(Reader(edge.port, address)) as reader:
        return reader.get(path, **headers)


def test_readers_served_by_varnish_are_counted_exactly(edge, settings):
    article = ArticleFactory()
    url = article.get_absolute_url()

    def visit(n):
        """A reader's browser: the page, then its beacon, on one connection."""
        with closing(Reader(edge.port, f"10.20.{n // 200}.{n % 200 + 1}")) as reader:
            status, page, body = reader.get(url)
            assert status == 200
            beacon = BEACON.search(body).group(1).decode()
            status, pixel, _ = reader.get(beacon)
            assert (status, pixel.getheader("X-Cache")) == (200, "PASS")
            return page.getheader("X-Cache")

    with ThreadPoolExecutor(8) as pool:
        answered = Counter(pool.map(visit, range(VISITORS)))
    # The origin saw at most 2% of the page requests; Varnish answered the rest.
    assert answered["HIT"] >= 0.98 * VISITORS, answered

    for host in edge.hosts:
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
    with closing(Reader(edge.port, "203.0.113.9")) as stranger:
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
    # A section whose next story comes out in two seconds: its listing is kept only till then.
    section = SectionFactory()
    ArticleFactory(section=section)
    ArticleFactory(section=section, published_at=timezone.now() + timedelta(seconds=2))
    listing = section.get_absolute_url()
    _, first, listed = read(edge, listing)
    kept_for = int(re.search(r"s-maxage=(\d+)", first.getheader("Cache-Control")).group(1))
    assert kept_for <= 2
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


def answers(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 200
    except OSError:
        return False


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
