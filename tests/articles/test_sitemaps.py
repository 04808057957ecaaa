import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    ArticleFactory,
    DraftArticleFactory,
    EditorFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def urlset(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SM}urlset"
    return root.findall(f"{SM}url")


def locations(urls):
    return [url.findtext(f"{SM}loc") for url in urls]


def test_the_index_lists_every_sitemap(client):
    article = ArticleFactory(tags=["Ports"])

    root = ET.fromstring(client.get("/sitemap.xml").content)

    assert root.tag == f"{SM}sitemapindex"
    assert [s.findtext(f"{SM}loc") for s in root.findall(f"{SM}sitemap")] == [
        f"http://testserver/sitemap-{name}.xml"
        for name in ("articles", "news", "sections", "tags", "authors")
    ]
    assert {s.findtext(f"{SM}lastmod") for s in root.findall(f"{SM}sitemap")} == {
        article.updated_at.isoformat()
    }


def test_articles_sitemap_lists_published_stories_with_their_update_date(client):
    article = ArticleFactory(slug="public")
    DraftArticleFactory(slug="draft")
    ScheduledArticleFactory(slug="scheduled")

    urls = urlset(client, "/sitemap-articles.xml")

    assert locations(urls) == ["http://testserver/articles/public/"]
    assert urls[0].findtext(f"{SM}lastmod") == article.updated_at.date().isoformat()


def test_sections_tags_and_authors_sitemaps(client):
    world = SectionFactory(slug="world", order=1)
    SectionFactory(slug="empty", order=2)
    writer = EditorFactory(username="writer", first_name="Wren", last_name="Ito")
    EditorFactory(username="drafter")
    UserFactory(username="reader")
    ArticleFactory(section=world, author=writer, tags=["Visible"])
    DraftArticleFactory(section=world, author=EditorFactory(username="drafter"), tags=["Hidden"])

    sections = urlset(client, "/sitemap-sections.xml")
    tags = urlset(client, "/sitemap-tags.xml")
    authors = urlset(client, "/sitemap-authors.xml")

    assert locations(sections) == [
        "http://testserver/sections/world/",
        "http://testserver/sections/empty/",
    ]
    assert sections[0].findtext(f"{SM}lastmod") is not None
    assert sections[1].findtext(f"{SM}lastmod") is None
    assert locations(tags) == ["http://testserver/tags/visible/"]
    assert locations(authors) == ["http://testserver/authors/wren-ito/"]


def test_news_sitemap_holds_the_last_two_days_with_titles_and_dates(client):
    fresh = ArticleFactory(
        slug="fresh", title="Fresh & new", published_at=timezone.now() - timedelta(hours=3)
    )
    ArticleFactory(slug="old", published_at=timezone.now() - timedelta(hours=49))
    DraftArticleFactory(slug="draft")
    ScheduledArticleFactory(slug="scheduled")

    urls = urlset(client, "/sitemap-news.xml")

    assert locations(urls) == ["http://testserver/articles/fresh/"]
    news = urls[0].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Lifescope News"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert news.findtext(f"{NEWS}publication_date") == fresh.published_at.isoformat()


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-news.xml",
        "/sitemap-sections.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
    ],
)
def test_sitemap_query_count_does_not_grow_with_articles(client, count_queries, url):
    def add(count, offset):
        for n in range(count):
            ArticleFactory(
                author=EditorFactory(username=f"author-{offset + n % 5}"),
                section=SectionFactory(slug=f"section-{n % 3}"),
                tags=["common", f"tag-{offset + n}"],
            )

    add(2, 0)
    client.get(url)
    _, with_two = count_queries(client, url)
    add(48, 2)
    response, with_fifty = count_queries(client, url)

    assert response.status_code == 200
    assert with_two == with_fifty <= 10


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out(client):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
