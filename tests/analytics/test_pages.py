"""The /popular/ page, the sidebar box, and the admin's readership chart."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from analytics import rankings
from articles import services
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    DraftArticleFactory,
    EditorFactory,
    StaffFactory,
)
from tests.reading import page, texts

pytestmark = pytest.mark.django_db

POPULAR = "/popular/"


def read_today(title, views, **article_fields):
    article = ArticleFactory(title=title, view_count=views, **article_fields)
    ArticleDailyViewsFactory(article=article, day=timezone.localdate(), views=views)
    return article


def test_the_popular_page_lists_the_weeks_most_read_with_their_views(client):
    read_today("Bridge opens", 1200)
    read_today("Rates held", 30)
    response = client.get(POPULAR)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Bridge opens") < page.index("Rates held")
    assert "1,200 views" in page
    assert "30 views" in page
    assert texts(response, "a", **{"aria-current": "page"}) == ["7 days"]


def test_the_tabs_are_links_and_the_current_one_is_marked(client):
    response = client.get(POPULAR, {"window": "30d"})
    for key, label in rankings.WINDOWS.items():
        current = ' aria-current="page"' if key == "30d" else ""
        assert f'<a href="/popular/?window={key}"{current}>{label}</a>' in response.content.decode()
    assert "<title>Popular: 30 days — Lifescope News</title>" in response.content.decode()


@pytest.mark.parametrize("window", list(rankings.WINDOWS))
def test_every_window_renders_and_hides_unpublished_stories(client, window):
    read_today("Visible story", 10)
    draft = DraftArticleFactory(title="Secret draft", view_count=10_000)
    ArticleDailyViewsFactory(article=draft, views=10_000)
    read_today("Excluded story", 10_000, popular_excluded=True)
    response = client.get(POPULAR, {"window": window})
    assert response.status_code == 200
    assert "Visible story" in response.content.decode()
    assert "Secret draft" not in response.content.decode()
    assert "Excluded story" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["window=1y", "window=", "window=" + "7d" * 5000, "window[]=7d&window=x"],
    ids=["unknown", "empty", "huge", "mangled"],
)
def test_absurd_windows_are_not_found_never_an_error(client, query):
    assert client.get(f"{POPULAR}?{query}").status_code == 404


def test_an_empty_ranking_says_so(client):
    response = client.get(POPULAR, {"window": "24h"})
    assert "No stories have been read in this period yet." in response.content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_the_popular_page_costs_one_query_when_warm(client, count_queries, count, settings):
    if hasattr(settings, "PAGE_CACHE"):  # measure the view itself, not a whole-page cache hit
        settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": False}
    for n in range(count):
        read_today(f"Story {n}", 10 + n)
    count_queries(client, POPULAR)  # warms the ranking and sidebar caches
    response, queries = count_queries(client, POPULAR)
    assert response.status_code == 200
    assert len(texts(response, class_="popular-ranking__item")) == min(count, 20)
    assert queries == 1


def test_the_header_links_to_the_popular_page(client):
    assert 'href="/popular/">Popular</a>' in client.get("/").content.decode()


class TestPopularBox:
    def box(self):
        return rankings.popular_box(None)

    def test_pins_come_first_then_the_weeks_most_read_and_excluded_never(self):
        read_today("Most read", 900)
        ArticleFactory(title="Pinned", view_count=1, popular_pinned=True)
        read_today("Removed", 5000, popular_excluded=True)
        ArticleFactory(title="Pinned but removed", popular_pinned=True, popular_excluded=True)
        DraftArticleFactory(title="Pinned draft", popular_pinned=True)
        read_today("Second", 400)
        ArticleFactory(title="Read long ago", view_count=90_000)  # nothing in the last 7 days
        assert texts(self.box(), class_="popular-posts__item") == ["Pinned", "Most read", "Second"]

    def test_it_holds_popular_box_size_stories(self, settings):
        settings.ANALYTICS = {**settings.ANALYTICS, "POPULAR_BOX_SIZE": 3}
        ArticleFactory(title="Pinned", popular_pinned=True)
        for n in range(5):
            read_today(f"Story {n}", 100 - n)
        assert texts(self.box(), class_="popular-posts__item") == ["Pinned", "Story 0", "Story 1"]

    def test_an_empty_box_says_so_and_links_to_the_page(self):
        box = page(self.box())
        assert "No stories have been read in the last 7 days." in box.text
        assert box.find("a", href=POPULAR).text.startswith("More popular stories")

    def test_every_public_page_shows_it(self, client):
        read_today("Bridge opens", 12)
        response = client.get("/")
        assert texts(response, class_="popular-posts__item") == ["Bridge opens"]

    def test_it_costs_no_query_when_warm(self, django_assert_num_queries):
        read_today("Most read", 900, popular_pinned=True)
        self.box()
        with django_assert_num_queries(0):
            assert texts(self.box(), class_="popular-posts__item") == ["Most read"]


class TestReadershipChart:
    def change_page(self, client, user, article):
        client.force_login(user)
        return client.get(reverse("admin:articles_article_change", args=[article.pk]))

    def test_editors_see_views_and_bot_hits_as_a_picture(self, client, editor):
        article = ArticleFactory(view_count=1234)
        today = timezone.localdate()
        ArticleDailyViewsFactory(article=article, day=today, views=34, bot_hits=5)
        ArticleDailyViewsFactory(
            article=article, day=today - timezone.timedelta(days=200), views=1200, bot_hits=70
        )
        response = self.change_page(client, editor, article)
        page = response.content.decode()
        assert response.status_code == 200
        assert '<svg class="readership__chart"' in page and 'role="img"' in page
        chart = page[page.index('<svg class="readership__chart"') :].split("</svg>")[0]
        assert "<script" not in chart
        assert "<strong>1,234</strong> human views in all" in page
        assert "(<strong>34</strong> in the last 30 days)" in page
        assert "<strong>75</strong> bot hits in all" in page
        assert f"{today:%a} {today.day} {today:%b}: 34 views, 5 bot hits" in page
        assert chart.count("<rect ") == 60, "two stacked bars for each of 30 days"

    def test_the_form_offers_pin_and_exclude(self, client, editor):
        page = self.change_page(client, editor, ArticleFactory()).content.decode()
        assert 'name="popular_pinned"' in page and 'name="popular_excluded"' in page

    @pytest.mark.parametrize(
        ("who", "status", "sees_chart"),
        [
            ("editor", 200, True),
            ("viewer", 200, True),
            ("moderator", 403, False),
            ("staff", 403, False),
        ],
    )
    def test_who_sees_readership(self, client, moderator, who, status, sees_chart):
        if who == "viewer":
            user = StaffFactory()
            user.user_permissions.add(Permission.objects.get(codename="view_article"))
        else:
            user = {"editor": EditorFactory(), "moderator": moderator, "staff": StaffFactory()}[who]
        response = self.change_page(client, user, ArticleFactory())
        assert response.status_code == status
        assert ("readership__chart" in response.content.decode()) is sees_chart


@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize("window", ["7d", "all"])
def test_a_story_taken_down_leaves_the_popular_page_at_once(
    client, window, django_capture_on_commit_callbacks
):
    story = read_today("Story taken down", 500)
    read_today("Story kept", 20)
    before = client.get(POPULAR, {"window": window})
    assert "Story taken down" in before.content.decode()
    assert client.get(POPULAR, {"window": window})["X-Page-Cache"] == "hit"
    assert f"article:{story.pk}" in before["Surrogate-Key"].split()

    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(type(story).objects.filter(pk=story.pk))

    after = client.get(POPULAR, {"window": window}).content.decode()
    assert "Story taken down" not in after and "Story kept" in after
