"""The shipped deploy/varnish/default.vcl takes the purges the site sends (lifescope/edge.py),
both kinds: an xkey PURGE and a BAN by Surrogate-Key, each dropping exactly the pages that
carry the names, and only from an allowed purger. Varnish runs in front of a stand-in origin
that answers pages as the site does (Cache-Control, Surrogate-Key), so this needs no database;
tests/scale/test_edge.py runs the same VCL in front of the real site."""

import http.client
import shutil
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.varnish import ProxiedConnection, Varnish
from lifescope import edge

pytestmark = pytest.mark.skipif(
    not shutil.which("varnishd"), reason="needs varnishd (apt-get install varnish varnish-modules)"
)

# Each page of the stand-in origin, with the names it shows.
PAGES = {
    "/articles/comet/": "site article:1",
    "/articles/tide/": "site article:2",
    "/": "site front",
    "/sections/news/?page=2": "site section:news",
}


class Origin(BaseHTTPRequestHandler):
    """Answers each page with a body naming how many times it was fetched."""

    fetches = {}

    def do_GET(self):
        if self.path == "/healthz":
            body, headers = b"ok", {}
        else:
            Origin.fetches[self.path] = Origin.fetches.get(self.path, 0) + 1
            body = f"{self.path} fetch {Origin.fetches[self.path]}".encode()
            headers = {
                "Cache-Control": "public, max-age=0, s-maxage=60, stale-if-error=60",
                "Surrogate-Key": PAGES[self.path],
            }
        self.send_response(200)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def varnish(tmp_path_factory):
    origin = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    with Varnish(tmp_path_factory.mktemp("varnish")) as cache:
        cache.start([origin.server_address[1]])
        yield cache
    origin.shutdown()
    origin.server_close()


def get(varnish, path):
    """(X-Cache, body) of `path` through Varnish."""
    with closing(http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)) as connection:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        answer = connection.getresponse()
        return answer.getheader("X-Cache"), answer.read().decode()


def cached_everywhere(varnish):
    for path in PAGES:
        get(varnish, path)
    return {path: get(varnish, path) for path in PAGES}


@pytest.mark.parametrize("entry", ["{url}", "PURGE {url}", "BAN {url}"])
def test_a_purge_drops_exactly_the_pages_carrying_its_names(varnish, entry):
    before = cached_everywhere(varnish)
    assert {state for state, _ in before.values()} == {"HIT"}

    failed = edge.send_purges([entry.format(url=varnish.url)], None, {"article:1", "front"})

    assert failed == []
    after = {path: get(varnish, path) for path in PAGES}
    for path in ("/articles/comet/", "/"):
        assert after[path][0] == "MISS" and after[path][1] != before[path][1], path
    assert after["/articles/tide/"] == before["/articles/tide/"]


def test_a_name_that_only_begins_like_another_drops_nothing_else(varnish):
    before = cached_everywhere(varnish)

    assert edge.send_purges([f"BAN {varnish.url}"], None, {"article:"}) == []

    assert {path: get(varnish, path) for path in PAGES} == before


@pytest.mark.parametrize("method", ["PURGE", "BAN"])
def test_only_an_allowed_purger_may_purge(varnish, method):
    before = cached_everywhere(varnish)
    names = {"xkey-purge": "article:1", "Surrogate-Key": "article:1"}

    with closing(ProxiedConnection(varnish.proxy_port, "203.0.113.9")) as stranger:
        stranger.request(method, "/", headers=names)
        assert stranger.getresponse().status == 403

    assert {path: get(varnish, path) for path in PAGES} == before


@pytest.mark.parametrize("keys", [None, "", "article:1|.*", "article:1 (front)"])
def test_a_ban_without_plain_names_is_refused(varnish, keys):
    before = cached_everywhere(varnish)
    headers = {} if keys is None else {"Surrogate-Key": keys}

    with closing(http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)) as purger:
        purger.request("BAN", "/", headers=headers)
        assert purger.getresponse().status == 400

    assert {path: get(varnish, path) for path in PAGES} == before


def test_a_purge_by_a_method_no_cache_knows_is_not_sent(varnish):
    before = cached_everywhere(varnish)

    failed = edge.send_purges([f"GET {varnish.url}"], None, {"article:1"}, pause=lambda _: None)

    assert failed == [f"GET {varnish.url}"]
    assert {path: get(varnish, path) for path in PAGES} == before


def test_links_shared_with_tracking_parameters_are_one_page_with_its_own_parameters_kept(
    varnish, settings
):
    tracking = settings.PAGE_CACHE["TRACKING_PARAMETERS"]
    assert (settings.BASE_DIR / "deploy/varnish/default.vcl").read_text().count(
        f"({tracking})"
    ) == 2
    first = get(varnish, "/sections/news/?utm_source=newsletter&page=2&fbclid=IwAR-one")
    again = get(varnish, "/sections/news/?page=2&fbclid=IwAR-two&utm_medium=email")
    bare = get(varnish, "/sections/news/?page=2")

    assert first[1] == again[1] == bare[1]
    assert (again[0], bare[0]) == ("HIT", "HIT")
    assert set(Origin.fetches) <= set(PAGES)
