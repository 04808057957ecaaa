"""What HTTP caches in front of the site and browsers get (lifescope/edge.py): which answers a
shared cache may keep and for how long, validators, the names to purge by, compression, and
the purges themselves."""

import datetime
import gzip
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from analytics import flush
from analytics.models import ArticleDailyViews
from articles import services
from articles.models import Article
from articles.views import ARTICLE_VIEW_SIGNER
from comments import pending
from lifescope import edge
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ArticleFactory, EditorFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def story():
    return ArticleFactory(
        slug="comet", section=SectionFactory(slug="science"), tags=["space"], title="Comet seen"
    )


def visit(url, **headers):
    return Client(HTTP_USER_AGENT=BROWSER, **headers).get(url)


def directives(response):
    return {
        part.strip().split("=")[0]: (part.strip().split("=") + [None])[1]
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


@pytest.mark.parametrize("hit", [False, True], ids=["rendered", "from the cache"])
def test_a_shared_page_may_be_kept_by_a_shared_cache_while_browsers_revalidate(story, hit):
    url = story.get_absolute_url()
    response = visit(url)
    if hit:
        response = visit(url)
        assert response["X-Page-Cache"] == "hit"

    cache_control = directives(response)
    assert "public" in cache_control and "private" not in cache_control
    assert cache_control["max-age"] == "0"
    assert 0 < int(cache_control["s-maxage"]) <= 60
    assert cache_control["stale-while-revalidate"] == "30"
    assert cache_control["stale-if-error"] == "86400"
    assert response["Surrogate-Key"].split() == ["site", f"article:{story.pk}"]
    assert re.fullmatch(r'W/"[0-9a-f]+"', response["ETag"])


@pytest.mark.parametrize(
    "url, names",
    [
        ("/", {"site", "front"}),
        ("/sections/science/", {"site", "section:{section}"}),
        ("/tags/space/", {"site", "tag:{tag}"}),
        ("/authors/comet-writer/", {"site", "author:{author}"}),
        ("/archive/", {"site", "archive"}),
        ("/archive/{year}/", {"site", "archive:{year}"}),
        ("/archive/{year}/{month:02}/", {"site", "archive:{year}-{month:02}"}),
        ("/popular/", {"site"}),
        ("/feeds/latest/", {"site", "front"}),
        ("/feeds/atom/", {"site", "front"}),
        ("/sitemap.xml", {"site", "front"}),
        ("/sitemap-news.xml", {"site", "front"}),
    ],
)
def test_every_shared_page_names_what_it_shows(url, names):
    story = ArticleFactory(
        section=SectionFactory(slug="science"),
        tags=["space"],
        author=EditorFactory(first_name="Comet", last_name="Writer"),
    )
    tag, published = story.tags.get(), timezone.localtime(story.published_at)
    values = {
        "section": story.section_id,
        "tag": tag.pk,
        "author": story.author_id,
        "year": published.year,
        "month": published.month,
    }
    expected = {name.format(**values) for name in names}

    response = visit(url.format(**values))

    assert response.status_code == 200
    assert set(response["Surrogate-Key"].split()) == expected
    assert "public" in directives(response)


def test_a_listing_is_kept_no_longer_than_until_its_next_story_comes_out(story):
    from datetime import timedelta

    from django.utils import timezone

    ArticleFactory(section=story.section, published_at=timezone.now() + timedelta(seconds=20))

    s_maxage = int(directives(visit("/sections/science/"))["s-maxage"])

    assert 0 < s_maxage <= 20


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/latest/",
        "/feeds/atom/",
        "/sections/science/feed/",
        "/tags/space/feed/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-news.xml",
    ],
)
def test_a_feed_or_sitemap_is_kept_no_longer_than_until_its_next_story_comes_out(story, url):
    coming_out = time.time() + 20
    ArticleFactory(
        slug="scheduled-eclipse",
        section=story.section,
        tags=["space"],
        published_at=datetime.datetime.fromtimestamp(coming_out, datetime.UTC),
    )
    first = visit(url)

    s_maxage = int(directives(first)["s-maxage"])
    with time_machine.travel(coming_out + 1, tick=False):
        then = visit(url)

    assert 0 < s_maxage <= 20
    assert b"scheduled-eclipse" not in first.content
    assert then["X-Page-Cache"] == "miss"
    if url != "/sitemap.xml":  # the index lists sitemaps, not stories
        assert b"scheduled-eclipse" in then.content


def test_a_client_holding_the_page_gets_304_with_no_body(story):
    url = story.get_absolute_url()
    etag = visit(url)["ETag"]

    again = visit(url, HTTP_IF_NONE_MATCH=etag)
    changed = visit(url, HTTP_IF_NONE_MATCH='W/"something-else"')

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and "public" in directives(again)
    assert changed.status_code == 200 and changed.content


def test_the_etag_changes_when_the_page_changes(story, django_capture_on_commit_callbacks):
    url = story.get_absolute_url()
    before = visit(url)["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(Article.objects.filter(pk=story.pk))
        services.publish(Article.objects.filter(pk=story.pk))
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")
        services.changing([story.pk])

    assert visit(url, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_pages_of_ones_own_are_private_and_never_named_for_a_shared_cache(story):
    # A reader's own waiting comment on the page.
    reader = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    reader.post(comments_url(story), comment_data(story))
    own = reader.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, br")
    # A form sent back with its errors.
    errors = Client(HTTP_USER_AGENT=BROWSER).post(comments_url(story), {"body": "x"})
    # A preview.
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    staff = Client()
    staff.force_login(EditorFactory())
    preview = staff.get(draft.get_absolute_url())

    assert b"comment--pending" in own.content and "private" in directives(own)
    assert "Content-Encoding" not in own  # it may carry a secret: never compressed
    assert errors.status_code == 400 and "private" in directives(errors)
    assert "no-store" in directives(preview)
    for response in (own, errors, preview):
        assert "Surrogate-Key" not in response
        assert "public" not in directives(response)


@pytest.mark.parametrize(
    "encoding, decode",
    [("br", brotli.decompress), ("gzip", gzip.decompress)],
    ids=["brotli", "gzip"],
)
def test_shared_pages_are_compressed_as_the_client_accepts(story, encoding, decode):
    plain = visit(story.get_absolute_url())

    packed = visit(story.get_absolute_url(), HTTP_ACCEPT_ENCODING=f"{encoding}, deflate")

    assert packed["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed["Vary"]
    assert decode(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
    # The plain answer says it too, or a shared cache would hand it to every client as the one
    # answer (and a 304, which stands for the 200, as well: RFC 9110 §15.4.5).
    assert "Accept-Encoding" in plain["Vary"]
    assert (
        "Accept-Encoding"
        in visit(story.get_absolute_url(), HTTP_IF_NONE_MATCH=plain["ETag"])["Vary"]
    )


@pytest.mark.parametrize(
    "accept_encoding, encoding",
    [
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=0.0, deflate", None),
        ("br;q=0.5, gzip", "gzip"),
        ("GZIP;Q=1", "gzip"),
        ("*", "br"),
        ("br;q=0, *", "gzip"),
        ("*;q=0, identity", None),
        ("gzip;q=0, *;q=0.3", "br"),
        ("br;q=0, *;q=0, identity;q=0", None),
        ("brotli, xgzip", None),
        ("", None),
    ],
)
def test_compression_honours_the_codings_the_client_refuses(story, accept_encoding, encoding):
    url = story.get_absolute_url()
    plain = visit(url).content
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}

    for served in ("rendered", "from the cache"):
        response = visit(url, HTTP_ACCEPT_ENCODING=accept_encoding)

        assert response.get("Content-Encoding") == encoding, served
        assert decode[encoding](response.content) == plain


class PurgeLog(BaseHTTPRequestHandler):
    """A cache that records the purges it is sent, failing the first `failures` of them."""

    received = []
    failures = 0

    def do_PURGE(self):  # noqa: N802 - the HTTP method's name
        PurgeLog.received.append(self.headers["xkey-purge"])
        status = 500 if PurgeLog.failures > 0 else 200
        PurgeLog.failures -= 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def varnish(settings):
    PurgeLog.received, PurgeLog.failures = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeLog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PAGE_CACHE = {
        **settings.PAGE_CACHE,
        "PURGE_URLS": [f"http://127.0.0.1:{server.server_address[1]}/"],
    }
    yield PurgeLog
    server.shutdown()
    server.server_close()


def test_a_publication_purges_exactly_the_names_that_changed(
    story, varnish, django_capture_on_commit_callbacks
):
    draft = ArticleFactory(status=Article.Status.DRAFT, section=story.section, tags=["space"])

    with django_capture_on_commit_callbacks(execute=True):
        services.publish(Article.objects.filter(pk=draft.pk))
    edge.wait_for_purges()

    (purged,) = varnish.received
    names = set(purged.split())
    assert {f"article:{draft.pk}", "front", f"section:{story.section_id}"} <= names
    assert f"tag:{story.tags.get().pk}" in names
    assert f"article:{story.pk}" not in names


def test_a_readers_account_changing_purges_nothing_from_http_caches(
    varnish, django_capture_on_commit_callbacks
):
    # It retires who their sessions were (lifescope/page_cache.py); no shared page shows that.
    reader = UserFactory(first_name="Grace")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reader.first_name = "G."
        reader.save()
    edge.wait_for_purges()
    assert callbacks and varnish.received == []


def test_a_cache_that_fails_is_tried_again_and_never_fails_the_change(
    story, varnish, django_capture_on_commit_callbacks, settings
):
    varnish.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(Article.objects.filter(pk=story.pk))
    edge.wait_for_purges()
    assert len(varnish.received) == 2  # refused once, then taken

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "PURGE_URLS": ["http://127.0.0.1:1/"]}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish(Article.objects.filter(pk=story.pk)) == 1
    failed = edge.send_purges(["http://127.0.0.1:1/"], None, {"front"}, pause=lambda s: None)
    assert failed == ["http://127.0.0.1:1/"]


PURGED_BY_HOOK = []


def record_purge(names):
    PURGED_BY_HOOK.append(names)


def test_a_cdn_hook_gets_the_names(story, settings, django_capture_on_commit_callbacks):
    PURGED_BY_HOOK.clear()
    settings.PAGE_CACHE = {
        **settings.PAGE_CACHE,
        "PURGE_HOOK": "tests.lifescope.test_edge.record_purge",
    }
    from comments import services as comment_services
    from tests.factories import CommentFactory

    comment = CommentFactory(article=story)
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.approve(comment_services.Comment.objects.filter(pk=comment.pk))
    edge.wait_for_purges()

    assert [[f"article:{story.pk}"]] == PURGED_BY_HOOK


# --- The view beacon ---------------------------------------------------------------------------


def beacon_url(html):
    return re.search(rb'<img class="view-beacon" src="([^"]+)"', html).group(1).decode()


def test_the_beacon_counts_a_read_the_site_never_saw_and_costs_no_query(
    story, django_assert_num_queries
):
    url = beacon_url(visit(story.get_absolute_url()).content)
    flush.flush(wait=True)
    Article.objects.filter(pk=story.pk).update(view_count=0)

    with django_assert_num_queries(0):
        answer = visit(url, REMOTE_ADDR="198.51.100.7")

    assert answer.status_code == 200 and answer["Content-Type"] == "image/gif"
    assert "no-store" in directives(answer)
    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 1


def test_a_page_the_site_serves_and_its_beacon_count_once(story):
    reader = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.8")
    page = reader.get(story.get_absolute_url())
    reader.get(beacon_url(page.content))
    for _ in range(5):  # a flood of beacons from one reader: the same dedupe
        reader.get(beacon_url(page.content))

    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 1


@pytest.mark.parametrize(
    "token",
    ["1", "1:forged", signing.Signer(salt="another").sign("1"), "x" * 5000, "%00"],
    ids=["unsigned", "forged", "another-salt", "absurd", "nul"],
)
def test_forged_beacons_are_refused_and_never_counted(story, token):
    answer = visit(f"/v/{token}.gif", REMOTE_ADDR="198.51.100.9")

    assert 400 <= answer.status_code < 500
    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 0


def test_a_beacon_of_an_article_since_unpublished_is_not_counted(
    story, settings, django_capture_on_commit_callbacks
):
    url = beacon_url(visit(story.get_absolute_url()).content)
    flush.flush(wait=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(Article.objects.filter(pk=story.pk))
    Article.objects.filter(pk=story.pk).update(view_count=0)

    # Within the page's lifetime the pixel may still come back (a copy of the page carrying
    # the beacon may still be served), but the read is never counted.
    assert visit(url, REMOTE_ADDR="198.51.100.10").status_code in (200, 204)
    lifetime = settings.PAGE_CACHE["SECONDS"]
    with time_machine.travel(time.time() + lifetime + 1, tick=False):
        answer = visit(url, REMOTE_ADDR="198.51.100.11")

    assert answer.status_code == 204 and answer.content == b""
    assert "no-store" in directives(answer)
    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 0


def test_a_beacon_of_an_article_never_served_here_asks_once_whether_it_is_published(
    story, django_assert_num_queries
):
    url = f"/v/{ARTICLE_VIEW_SIGNER.sign(str(story.pk))}.gif"  # a page Varnish served

    with django_assert_num_queries(1):
        assert visit(url, REMOTE_ADDR="198.51.100.12").status_code == 200
    with django_assert_num_queries(0):
        assert visit(url, REMOTE_ADDR="198.51.100.13").status_code == 200

    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 2


@pytest.mark.parametrize("state", ["deleted", "draft", "scheduled"])
def test_a_beacon_of_an_article_nobody_can_read_is_204_and_never_counted(state):
    article = ArticleFactory()
    url = f"/v/{ARTICLE_VIEW_SIGNER.sign(str(article.pk))}.gif"
    if state == "deleted":
        Article.objects.filter(pk=article.pk).delete()
    elif state == "draft":
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    else:
        Article.objects.filter(pk=article.pk).update(
            published_at=timezone.now() + datetime.timedelta(days=1)
        )

    answer = visit(url, REMOTE_ADDR="198.51.100.14")

    assert answer.status_code == 204 and answer.content == b""
    flush.flush(wait=True)
    assert not ArticleDailyViews.objects.filter(article_id=article.pk).exists()


def test_bots_and_prefetches_through_the_beacon_are_kept_apart(story):
    url = beacon_url(Client(HTTP_USER_AGENT="").get(story.get_absolute_url()).content)
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    Client(HTTP_USER_AGENT=googlebot).get(url)
    Client(HTTP_USER_AGENT=BROWSER, HTTP_SEC_PURPOSE="prefetch;prerender").get(url)

    flush.flush(wait=True)
    row = ArticleDailyViews.objects.get(article=story)
    assert (row.views, row.bot_hits) == (0, 1)


def test_staff_pages_carry_no_beacon(story):
    staff = Client()
    staff.force_login(EditorFactory())
    assert b"view-beacon" not in staff.get(story.get_absolute_url()).content
    assert b"view-beacon" in visit(story.get_absolute_url()).content


def test_the_pending_cookie_is_no_reason_to_leave_the_page_cache(story):
    """A reader's cookie naming their own comments keeps the page cached for everyone."""
    visitor = Client(HTTP_USER_AGENT=BROWSER)
    visitor.cookies[pending.COOKIE] = signing.dumps([], salt=pending.SALT)
    visit(story.get_absolute_url())
    assert visitor.get(story.get_absolute_url())["X-Page-Cache"] == "hit"


EXITING_PROCESS = """
import sys
import django
django.setup()
from lifescope import edge
edge.purge(["article:7", "front"])
sys.exit(0)
"""


def test_a_process_that_exits_at_once_still_sends_its_purges(varnish, settings):
    """A management command, a worker recycled: the purge thread must not die with it."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "lifescope.settings",
        "DJANGO_DEBUG": "1",
        "LIFESCOPE_PURGE_URLS": settings.PAGE_CACHE["PURGE_URLS"][0],
    }
    for _ in range(3):
        exited = subprocess.run(
            [sys.executable, "-c", EXITING_PROCESS],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert exited.returncode == 0, exited.stderr

    assert varnish.received == ["article:7 front"] * 3
