"""One view per article page a person reads; everything else is not a view."""

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from analytics import visitors
from analytics.middleware import ViewCounterMiddleware
from articles.views import ARTICLE_VIEW_HEADER, ARTICLE_VIEW_SIGNER
from lifescope.client import client_ip
from tests.analytics.conftest import BROWSER, GOOGLEBOT, recorded
from tests.factories import ArticleFactory, DraftArticleFactory, ScheduledArticleFactory

pytestmark = pytest.mark.django_db


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


def test_a_visitor_counts_again_after_the_window(read, article, settings):
    settings.ANALYTICS = {**settings.ANALYTICS, "DEDUPE_SECONDS": 1}
    read(article)
    read(article)
    time.sleep(1.1)
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


def test_pages_served_from_a_page_cache_still_count(client, article, settings, monkeypatch):
    settings.MIDDLEWARE = [
        "analytics.middleware.ViewCounterMiddleware",
        "django.middleware.cache.UpdateCacheMiddleware",
        *settings.MIDDLEWARE[1:],
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    settings.CACHE_MIDDLEWARE_SECONDS = 60
    # Django's page cache never stores a response that sets a cookie, such as the comment
    # form's CSRF cookie; how page caching copes with that belongs to the page-cache work.
    monkeypatch.setattr(
        "django.middleware.csrf.CsrfViewMiddleware._set_csrf_cookie", lambda *args: None
    )
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
