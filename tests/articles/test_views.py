from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import rankings
from articles.models import Article
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    ArticleHourlyViewsFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    StaffFactory,
    hours_ago,
)
from tests.reading import card_titles, lead_title, page, texts

pytestmark = pytest.mark.django_db


def test_front_page_leads_with_the_newest_featured_story(client):
    ArticleFactory(title="Older featured", featured=True, published_at=hours_ago(48))
    lead = ArticleFactory(title="Fresh featured", featured=True, published_at=hours_ago(2))
    ArticleFactory(title="Plain newest", published_at=hours_ago(1))

    response = client.get("/")

    assert response.status_code == 200
    assert lead_title(response) == lead.title
    assert card_titles(response) == ["Fresh featured", "Plain newest", "Older featured"]
    assert "Lead story" in response.content.decode()


def test_front_page_never_lists_drafts_or_scheduled_stories(client):
    ArticleFactory(title="Visible story")
    DraftArticleFactory(title="Secret draft")
    ScheduledArticleFactory(title="Tomorrow's scoop")

    content = client.get("/").content.decode()

    assert "Visible story" in content
    assert "Secret draft" not in content
    assert "Tomorrow" not in content


def test_front_page_paginates_and_shows_the_lead_only_on_page_one(client, settings):
    for hour in range(12):
        ArticleFactory(published_at=hours_ago(hour + 1))

    first, second = client.get("/"), client.get("/?page=2")

    assert lead_title(first) is not None
    assert len(card_titles(first)) == 1 + 10
    assert lead_title(second) is None
    assert len(card_titles(second)) == 1
    assert 'rel="next" href="?page=2"' in first.content.decode()


@pytest.mark.parametrize("query", ["?page=99", "?page=0"])
def test_pages_past_the_end_are_not_found(client, query):
    ArticleFactory()
    assert client.get(f"/{query}").status_code == 404


@pytest.mark.parametrize("query", ["?page=abc", "?page=-1", "?page=%00", "?page=1.5", "?page="])
def test_malformed_page_numbers_are_bad_requests(client, query):
    ArticleFactory()
    assert client.get(f"/sections/{ArticleFactory().section.slug}/{query}").status_code == 400


def test_article_page_shows_a_real_article(client):
    article = ArticleWithImageFactory(
        title="Harbour reopens",
        standfirst="Ships return after repairs.",
        body="<h2>Background</h2><p>The harbour closed in spring.</p>",
        hero_caption="The harbour at dawn.",
        hero_credit="Photo: A. Person",
        tags=["Ports", "Trade"],
    )

    response = client.get(f"/articles/{article.slug}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Harbour reopens — Lifescope News</title>" in response.content.decode()
    assertions = [
        '<h1 class="article__title">Harbour reopens</h1>',
        '<p class="article__standfirst">Ships return after repairs.</p>',
        "<h2>Background</h2>",
        '<a href="/tags/ports/" rel="tag">Ports</a>',
        "1 min read",
        f'alt="{article.hero_alt}"',
        'width="300" height="200"',
        "Photo: A. Person",
        "Popular posts from this blog",
    ]
    for fragment in assertions:
        assert fragment in response.content.decode(), fragment


def test_article_page_marks_a_late_update(client, written_and_published):
    content = client.get(written_and_published(days_ago=2).get_absolute_url()).content.decode()
    assert "Updated <time" in content


def test_article_page_has_no_update_notice_for_a_fresh_story(client):
    content = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert "Updated <time" not in content


@pytest.mark.parametrize("factory", [DraftArticleFactory, ScheduledArticleFactory])
def test_unpublished_articles_are_not_found_by_the_public(client, factory):
    article = factory()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("factory", [DraftArticleFactory, ScheduledArticleFactory])
def test_staff_without_preview_permission_cannot_see_unpublished(client, factory):
    client.force_login(StaffFactory())
    assert client.get(factory().get_absolute_url()).status_code == 404


def test_editors_preview_drafts_with_a_banner_and_no_caching(client, editor):
    article = DraftArticleFactory(title="Work in progress")
    client.force_login(editor)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert "Preview — not published." in content
    assert "This draft is visible only to editors." in content
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    ("factory", "banner"),
    [
        (
            DraftArticleFactory,
            "Preview — not published. This draft is visible only to editors. Edit in the admin",
        ),
        (
            ScheduledArticleFactory,
            "Preview — not published. Scheduled for {when}. Edit in the admin",
        ),
    ],
)
def test_the_preview_banner_reads_as_sentences(client, editor, factory, banner):
    article = factory()
    client.force_login(editor)

    response = client.get(article.get_absolute_url())

    when = (
        timezone.localtime(article.published_at).strftime("%-d %B %Y, %H:%M %Z")
        if (article.published_at)
        else ""
    )
    assert texts(response, class_="preview-banner") == [banner.format(when=when)]


def test_editors_see_when_a_scheduled_article_goes_out(client, editor):
    article = ScheduledArticleFactory()
    client.force_login(editor)
    assert "Scheduled for" in client.get(article.get_absolute_url()).content.decode()


def test_published_article_has_no_preview_banner_even_for_editors(client, editor):
    client.force_login(editor)
    response = client.get(ArticleFactory().get_absolute_url())
    assert "Preview — not published" not in response.content.decode()
    assert "X-Robots-Tag" not in response


def test_unknown_article_gets_the_friendly_404_page(client):
    response = client.get("/articles/no-such-story/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_section_page_lists_only_its_published_stories(client):
    section = SectionFactory(name="Science", slug="science", description="Discovery.")
    ArticleFactory(section=section, title="Comet seen")
    DraftArticleFactory(section=section, title="Unfinished comet piece")
    ArticleFactory(title="Elsewhere")

    response = client.get("/sections/science/")

    assert response.status_code == 200
    assert card_titles(response) == ["Comet seen"]
    assert "<h1>Science</h1>" in response.content.decode()


def test_empty_section_says_so(client):
    SectionFactory(slug="quiet")
    assert "No stories in this section yet." in client.get("/sections/quiet/").content.decode()


def test_tag_page_lists_published_stories_with_that_tag(client):
    ArticleFactory(title="Rains", tags=["Climate"])
    ArticleFactory(title="Markets", tags=["Trade"])
    DraftArticleFactory(title="Draft rains", tags=["Climate"])

    response = client.get("/tags/climate/")

    assert card_titles(response) == ["Rains"]


def test_tag_page_counts_only_the_tags_published_stories(client):
    """The count comes from the tag's own rows (articles.views.TagView), not the listing's
    query, so it must apply the same visibility gate: ten stories are one page, whatever
    drafts and scheduled stories carry the tag."""
    for hour in range(10):
        ArticleFactory(title=f"Rains {hour}", tags=["Climate"], published_at=hours_ago(hour + 1))
    DraftArticleFactory(tags=["Climate"])
    ScheduledArticleFactory(tags=["Climate"])
    ArticleFactory(tags=["Trade"])

    first = client.get("/tags/climate/")

    assert card_titles(first) == [f"Rains {hour}" for hour in range(10)]
    assert client.get("/tags/climate/", {"page": 2}).status_code == 404


def test_tag_with_only_unpublished_stories_is_not_found(client):
    DraftArticleFactory(tags=["Embargoed"])
    assert client.get("/tags/embargoed/").status_code == 404


def test_the_popular_box_ranks_the_last_7_days_and_skips_unpublished(client):
    """The box on every page ranks by the same window that /popular/ opens on, names it and
    links there: an old story read long ago does not lead it."""
    today = timezone.localdate()
    for title, views in [("Quiet story", 3), ("Most read", 900), ("Second most read", 400)]:
        ArticleDailyViewsFactory(article=ArticleFactory(title=title), views=views)
    house_note = ArticleFactory(
        title="House note", published_at=timezone.now() - timedelta(days=40)
    )
    ArticleDailyViewsFactory(article=house_note, day=today - timedelta(days=39), views=10_000)
    ArticleDailyViewsFactory(article=DraftArticleFactory(title="Hidden hit"), views=10_000)

    front = client.get("/")

    box = page(front).find("section", class_="popular-posts")
    assert texts(front, class_="popular-posts__item") == [
        "Most read",
        "Second most read",
        "Quiet story",
    ]
    assert "The most read in the last 7 days" in box.text
    assert box.find("a", class_=None, href="/popular/").text.startswith("More popular stories")
    popular = client.get("/popular/")
    assert texts(popular, "a", **{"aria-current": "page"}) == ["7 days"]
    assert texts(popular, class_="card__title")[:3] == texts(front, class_="popular-posts__item")


@pytest.mark.parametrize("window", ["24h", "30d", "all", "trending"])
def test_one_setting_chooses_the_window_of_the_box_and_of_popular(client, settings, window):
    settings.ANALYTICS = {**settings.ANALYTICS, "POPULAR_WINDOW": window}
    ArticleDailyViewsFactory(article=ArticleFactory(title="Read story", view_count=5), views=5)
    ArticleHourlyViewsFactory(article=Article.objects.get(title="Read story"), views=5)

    box = page(client.get("/")).find("section", class_="popular-posts")
    popular = client.get("/popular/")

    assert rankings.WINDOW_PHRASES[window] in box.text
    assert texts(popular, "a", **{"aria-current": "page"}) == [rankings.WINDOWS[window]]


def test_section_navigation_is_on_every_page(client):
    SectionFactory(name="Business", slug="business")
    article = ArticleFactory()
    for url in ["/", article.get_absolute_url(), "/sections/business/"]:
        assert '<a href="/sections/business/"' in client.get(url).content.decode()


# A NUL never reaches the view: lifescope/guard.py refuses it (test_request_guard.py).
@pytest.mark.parametrize(
    "path", ["/authors/a%2Fb/", "/authors/a%20b/", "/authors/%C2%B2%E2%80%AE/"]
)
def test_impossible_author_addresses_are_not_found(client, path):
    assert client.get(path).status_code == 404
