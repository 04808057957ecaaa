"""One view per article page a person reads; everything else is not a view."""

import datetime
import os
import re

import pytest
import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from analytics import counting, flush, viewlog, visitors
from analytics.middleware import ViewCounterMiddleware
from analytics.models import ViewSighting
from articles.views import ARTICLE_VIEW_HEADER, ARTICLE_VIEW_SIGNER
from lifescope.client import client_ip
from tests.analytics.conftest import BROWSER, GOOGLEBOT, counted, log_files, recorded
from tests.factories import ArticleFactory, DraftArticleFactory, ScheduledArticleFactory

pytestmark = pytest.mark.django_db

# 10:00 on a Monday: a window of reads never crosses midnight, when visitor keys rotate.
MORNING = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
WINDOW = 30 * 60


@pytest.fixture
def article():
    return ArticleFactory()


def test_a_reader_counts_once_and_the_marker_never_reaches_them(read, article):
    response = read(article)
    assert response.status_code == 200
    assert ARTICLE_VIEW_HEADER not in response.headers
    assert recorded(article) == (1, 0)


def test_the_same_visitor_reloading_100_times_counts_once(read, article):
    for _ in range(100):
        assert read(article).status_code == 200
    assert recorded(article) == (1, 0)


def test_different_visitors_count_apart(read, article):
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, ip="203.0.113.2", user_agent=BROWSER.replace("131", "130"))
    assert recorded(article) == (3, 0)


@pytest.fixture
def morning(settings):
    """The clock stopped at MORNING, with the dedupe window at 30 minutes."""
    settings.ANALYTICS = {**settings.ANALYTICS, "DEDUPE_SECONDS": WINDOW}
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def test_a_visitor_counts_again_once_the_window_has_passed(read, morning):
    article = ArticleFactory()
    read(article)
    morning.shift(WINDOW - 1)
    read(article)
    assert recorded(article) == (1, 0), "a reload within the window is a repeat"
    morning.shift(1)
    read(article)
    assert recorded(article) == (2, 0), "a read a whole window after the counted one counts"


def test_a_reader_reloading_every_few_minutes_counts_once_per_window(read, morning):
    """The window runs from the last counted read, not the last read: else a reader who
    reloads every 29 minutes would count once a day."""
    article = ArticleFactory()
    for _ in range(7):
        read(article)
        morning.shift(29 * 60)  # 0, 29, 58 (counts), 87, 116 (counts), 145, 174 (counts)
    assert recorded(article) == (4, 0)


def test_the_same_visitor_on_another_day_is_another_visitor(read, morning):
    """Keys rotate at midnight, so a read at 23:59 and one at 00:01 are two readers'."""
    article = ArticleFactory()
    morning.move_to(MORNING.replace(hour=23, minute=59))
    read(article)
    morning.shift(120)
    read(article)
    assert recorded(article) == (2, 0)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
    ],
    ids=["sec-purpose", "prerender", "purpose", "x-moz"],
)
def test_prefetch_and_prerender_are_not_views(read, article, headers):
    assert read(article, **headers).status_code == 200
    assert recorded(article) == (0, 0)


def test_head_is_not_a_view(read, article):
    assert read(article, method="head").status_code == 200
    assert recorded(article) == (0, 0)


def test_a_request_without_a_user_agent_is_not_counted(read, article):
    assert read(article, user_agent="").status_code == 200
    assert recorded(article) == (0, 0)


@pytest.mark.parametrize(
    "user_agent",
    [
        GOOGLEBOT,
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)",
        "curl/8.5.0",
        "python-requests/2.32.3",
    ],
)
def test_bots_are_bot_hits_not_views(read, article, user_agent):
    read(article, user_agent=user_agent)
    read(article, user_agent=user_agent)
    assert recorded(article) == (0, 2)


def beacon_of(page):
    return re.search(rb'<img class="view-beacon" src="([^"]+)"', page.content).group(1).decode()


@pytest.mark.parametrize("flushes", ["one flush", "page flushed first", "beacon flushed first"])
def test_a_bot_served_the_page_by_the_site_and_its_beacon_is_one_bot_hit(
    client, read, article, settings, tmp_path, flushes
):
    """As a reader's page and beacon make one view (tests/lifescope/test_edge.py). The beacon
    may reach another host, whose flush may come first."""
    host_a, host_b = settings.ANALYTICS["LOG_DIR"], tmp_path / "host-b"
    page = read(article, user_agent=GOOGLEBOT)
    if flushes == "page flushed first":
        flush.flush(wait=True)
    if flushes != "one flush":
        settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": host_b}
    client.get(beacon_of(page), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=GOOGLEBOT)
    flush.flush(wait=True)
    settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": host_a}

    assert recorded(article) == (0, 1)


def test_a_bots_repeated_fetches_still_count_each(client, read, article):
    for _ in range(2):
        page = read(article, user_agent=GOOGLEBOT)  # each served by the site, with its beacon
        client.get(beacon_of(page), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=GOOGLEBOT)
    for _ in range(2):  # pages an HTTP cache in front served: their beacons alone
        client.get(beacon_of(page), REMOTE_ADDR="203.0.113.8", HTTP_USER_AGENT=GOOGLEBOT)

    assert recorded(article) == (0, 4)


def test_staff_reading_a_published_article_is_not_a_view(client, read, article, editor):
    client.force_login(editor)
    assert read(article).status_code == 200
    assert recorded(article) == (0, 0)


@pytest.mark.parametrize("factory", [DraftArticleFactory, ScheduledArticleFactory])
def test_staff_previews_are_never_marked_nor_counted(client, read, editor, factory):
    hidden = factory()
    client.force_login(editor)
    response = read(hidden)
    assert response.status_code == 200
    assert ARTICLE_VIEW_HEADER not in response.headers
    client.logout()
    assert read(hidden).status_code == 404
    assert recorded(hidden) == (0, 0)


def test_missing_articles_and_other_pages_are_not_counted(client, article):
    assert client.get("/articles/no-such-story/", HTTP_USER_AGENT=BROWSER).status_code == 404
    assert client.get("/", HTTP_USER_AGENT=BROWSER).status_code == 200
    assert recorded(article) == (0, 0)


def test_a_marker_header_sent_by_the_client_is_ignored(client, article):
    forged = ARTICLE_VIEW_SIGNER.sign(str(article.pk))
    response = client.get("/", HTTP_USER_AGENT=BROWSER, HTTP_X_LIFESCOPE_ARTICLE=forged)
    assert response.status_code == 200
    assert ARTICLE_VIEW_HEADER not in response.headers
    assert recorded(article) == (0, 0)


@pytest.mark.parametrize(
    "marker",
    ["1", "1:forged", "not-a-number", "", "9" * 400],
    ids=["bare-id", "bad-signature", "garbage", "empty", "huge"],
)
def test_a_marker_without_our_signature_is_stripped_and_ignored(article, marker):
    def view(request):
        response = HttpResponse("page")
        response[ARTICLE_VIEW_HEADER] = marker.replace("1", str(article.pk), 1)
        return response

    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER)
    response = ViewCounterMiddleware(view)(request)
    assert response.status_code == 200
    assert ARTICLE_VIEW_HEADER not in response.headers
    assert recorded(article) == (0, 0)


def test_a_signed_marker_for_an_unknown_article_is_ignored(article):
    def view(request):
        response = HttpResponse("page")
        response[ARTICLE_VIEW_HEADER] = ARTICLE_VIEW_SIGNER.sign("987654321")
        return response

    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    assert ViewCounterMiddleware(view)(request).status_code == 200
    assert recorded(article) == (0, 0)


def test_errors_while_counting_never_fail_the_page(read, article, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr("analytics.counting.record", broken)
    assert read(article).status_code == 200


def test_counting_can_be_switched_off(read, article, settings):
    settings.ANALYTICS = {**settings.ANALYTICS, "COUNT_VIEWS": False}
    response = read(article)
    assert ARTICLE_VIEW_HEADER not in response.headers
    assert recorded(article) == (0, 0)


def test_pages_served_from_the_page_cache_still_count(client, article, settings, monkeypatch):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    rendered = []
    monkeypatch.setattr(
        "articles.views.ArticleDetailView.get_object",
        lambda view, queryset=None: rendered.append(1) or article,
    )
    for n in range(3):
        response = client.get(
            article.get_absolute_url(), HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=f"198.51.100.{n}"
        )
        assert response.status_code == 200
        assert ARTICLE_VIEW_HEADER not in response.headers
    assert len(rendered) == 1, "the second and third requests should be cache hits"
    assert recorded(article) == (3, 0)


class TestWhenTheLogCannotBeWritten:
    """A full disk or a folder that cannot be written: each view is counted in the database
    at once, deduped the same way, and the reader never notices."""

    @pytest.fixture
    def unwritable(self, settings, tmp_path):
        blocker = tmp_path / "a-file-not-a-folder"
        blocker.write_text("")
        settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": blocker}

    def test_views_are_counted_at_once_and_deduped(self, read, morning, unwritable):
        article = ArticleFactory()
        for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.2", "203.0.113.2"):
            assert read(article, ip=ip).status_code == 200
        assert read(article, user_agent=GOOGLEBOT).status_code == 200
        assert counted(article) == (2, 1), "in the database with no flush"
        morning.shift(WINDOW)
        read(article, ip="203.0.113.2")
        assert counted(article) == (3, 1), "and again once the window has passed"

    @pytest.mark.parametrize("disk_fails_first", [False, True], ids=["logged-first", "db-first"])
    def test_a_logged_read_and_one_counted_at_once_are_one_view(
        self, read, morning, monkeypatch, disk_fails_first
    ):
        article = ArticleFactory()

        def disk_full(self, data):
            raise OSError(28, "No space left on device")

        for failing in (disk_fails_first, not disk_fails_first):
            with monkeypatch.context() as patch:
                if failing:
                    patch.setattr(viewlog.ViewLog, "append", disk_full)
                assert read(article).status_code == 200
            morning.shift(60)
        assert counted(article) == (1, 0)
        assert recorded(article) == (1, 0), "the flush dedupes the logged read against it"
        assert ViewSighting.objects.count() == 1

    def test_a_write_cut_short_is_counted_at_once_and_spoils_no_later_line(
        self, morning, monkeypatch
    ):
        article = ArticleFactory()
        real_write = os.write
        counting.record(article.pk, viewlog.VIEW, "a" * 32)
        with monkeypatch.context() as patch:
            # A disk that fills in the middle of a line takes only its first bytes.
            patch.setattr(os, "write", lambda fd, data: real_write(fd, data[:7]))
            counting.record(article.pk, viewlog.VIEW, "b" * 32)
        assert counted(article) == (1, 0), "the cut line is counted at once"
        counting.record(article.pk, viewlog.VIEW, "c" * 32)
        counting.record(article.pk, viewlog.BOT)
        assert recorded(article) == (3, 1)
        assert flush.flush() == flush.Flushed(), "every file has been read to its end"
        assert len(log_files(settings.ANALYTICS["LOG_DIR"])) == 1, "the cut file is finished"


class TestVisitors:
    def request(self, remote, forwarded=None, user_agent=BROWSER):
        headers = {"REMOTE_ADDR": remote, "HTTP_USER_AGENT": user_agent}
        if forwarded is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **headers)

    @pytest.mark.parametrize(
        ("remote", "forwarded", "expected"),
        [
            ("198.51.100.5", "203.0.113.1", "198.51.100.5"),  # not our proxy: header ignored
            ("10.0.0.2", "203.0.113.1", "203.0.113.1"),
            ("10.0.0.2", "6.6.6.6, 203.0.113.1", "203.0.113.1"),  # the client wrote 6.6.6.6
            ("10.0.0.2", "203.0.113.1, 10.0.0.3", "203.0.113.1"),  # two of our proxies
            ("10.0.0.2", "not-an-address", "10.0.0.2"),
            ("10.0.0.2", "", "10.0.0.2"),
            ("::1", "2001:db8::1", "2001:db8::1"),
        ],
    )
    def test_forwarded_for_is_believed_only_from_trusted_proxies(
        self, settings, remote, forwarded, expected
    ):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
        assert client_ip(self.request(remote, forwarded)) == expected

    def test_the_visitor_key_hides_the_address_and_rotates_daily(self):
        import datetime

        request = self.request("203.0.113.77")
        monday, tuesday = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)
        key = visitors.visitor_key(request, monday)
        assert "203.0.113.77" not in key and len(key) == 32
        assert key == visitors.visitor_key(request, monday)
        assert key != visitors.visitor_key(request, tuesday)
        assert key != visitors.visitor_key(self.request("203.0.113.78"), monday)

    def test_a_forged_forwarded_for_from_outside_is_one_visitor(self, read, article):
        for n in range(5):
            read(article, ip="198.51.100.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert recorded(article) == (1, 0)
