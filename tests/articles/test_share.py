import io
import json
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from tests.factories import (
    ArticleFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


class HeadReader(HTMLParser):
    """Collects <meta>, <link rel> and JSON-LD blocks the way a crawler reads them."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld = {}, {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs.get("name")
            self.meta.setdefault(key, attrs.get("content"))
        elif tag == "link" and "rel" in attrs:
            self.links.setdefault(attrs["rel"], attrs.get("href"))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data


def read(client, url):
    reader = HeadReader()
    reader.feed(client.get(url).content.decode())
    return reader


def test_an_article_has_canonical_url_and_share_cards(client):
    article = ArticleWithImageFactory(
        title="Harbour reopens", seo_description="Ships return after a year.", tags=["Ports"]
    )

    page = read(client, article.get_absolute_url())
    url = f"http://testserver{article.get_absolute_url()}"
    image = f"http://testserver{article.hero_image.url}"

    assert page.links["canonical"] == url
    assert page.meta["description"] == "Ships return after a year."
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == "Harbour reopens"
    assert page.meta["og:description"] == "Ships return after a year."
    assert page.meta["og:url"] == url
    assert page.meta["og:image"] == image
    assert page.meta["og:image:width"] == "300"
    assert page.meta["og:image:alt"] == "A navy rectangle"
    assert page.meta["article:tag"] == "Ports"
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == image
    assert page.meta["twitter:title"] == "Harbour reopens"


def test_json_ld_is_a_valid_news_article(client):
    article = ArticleWithImageFactory(title="Harbour reopens", byline="Ana Reporter")

    page = read(client, article.get_absolute_url())
    (block,) = page.json_ld
    data = json.loads(block)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Harbour reopens"
    assert data["image"][0]["url"] == f"http://testserver{article.hero_image.url}"
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at.replace(
        microsecond=0
    )
    assert datetime.fromisoformat(data["dateModified"]) == article.updated_at.replace(microsecond=0)
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Ana Reporter",
            "url": f"http://testserver{article.author.author_profile.get_absolute_url()}",
        }
    ]
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["publisher"]["name"] == "Lifescope News"
    assert data["mainEntityOfPage"]["@id"] == f"http://testserver{article.get_absolute_url()}"


def test_the_publisher_logo_is_a_raster_image_of_its_stated_size(client):
    article = ArticleFactory()

    logo = json.loads(read(client, article.get_absolute_url()).json_ld[0])["publisher"]["logo"]
    served = client.get(logo["url"].removeprefix("http://testserver"))

    assert logo["@type"] == "ImageObject"
    assert served.status_code == 200
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.format == "PNG"
        assert (logo["width"], logo["height"]) == image.size
        # Google's minimum for a publisher logo.
        assert min(image.size) >= 112


def test_a_story_written_before_its_scheduled_time_is_not_modified_before_it_went_out(client):
    going_out = timezone.now() + timedelta(hours=6)
    article = ArticleFactory(published_at=going_out)  # written and saved now, scheduled

    with time_machine.travel(going_out + timedelta(hours=1)):
        page = read(client, article.get_absolute_url())
    data = json.loads(page.json_ld[0])

    published = datetime.fromisoformat(data["datePublished"])
    assert published == going_out.replace(microsecond=0)
    assert datetime.fromisoformat(data["dateModified"]) == published
    assert datetime.fromisoformat(page.meta["article:modified_time"]) == going_out


def test_a_later_edit_is_the_modification_date(client, written_and_published):
    article = written_and_published(days_ago=2)

    data = json.loads(read(client, article.get_absolute_url()).json_ld[0])

    assert datetime.fromisoformat(data["dateModified"]) == article.updated_at.replace(microsecond=0)
    assert data["dateModified"] > data["datePublished"]


def test_a_hostile_title_cannot_break_out_of_the_json_ld(client):
    title = 'Bad </script><script>alert("x")</script> & <!-- title'
    article = ArticleFactory(title=title)

    content = client.get(article.get_absolute_url()).content.decode()
    reader = HeadReader()
    reader.feed(content)

    assert json.loads(reader.json_ld[0])["headline"] == title
    assert '<script>alert("x")' not in content
    assert content.count("</script>") == content.count("<script")


def test_an_article_without_an_image_gets_a_summary_card(client):
    article = ArticleFactory(standfirst="Short summary.")

    page = read(client, article.get_absolute_url())

    assert page.meta["twitter:card"] == "summary"
    assert "og:image" not in page.meta
    assert "image" not in json.loads(page.json_ld[0])


def test_previews_carry_no_share_cards(client, editor):
    draft = DraftArticleFactory()
    client.force_login(editor)

    page = read(client, draft.get_absolute_url())

    assert page.meta["robots"] == "noindex, nofollow"
    assert "og:title" not in page.meta
    assert page.json_ld == []


def test_front_section_and_tag_pages_have_their_own_titles_and_cards(client):
    section = SectionFactory(name="Science", slug="science", description="Discoveries.")
    ArticleFactory(section=section, tags=["Space"])

    front = read(client, "/")
    science = read(client, "/sections/science/")
    space = read(client, "/tags/space/")
    science_html = client.get("/sections/science/").content.decode()

    assert front.links["canonical"] == "http://testserver/"
    assert front.meta["og:type"] == "website"
    assert science.links["canonical"] == "http://testserver/sections/science/"
    assert science.meta["og:title"] == "Science — Lifescope News"
    assert science.meta["description"] == "Discoveries."
    assert "<title>Science — Lifescope News</title>" in science_html
    assert 'href="/sections/science/feed/"' in science_html
    assert space.meta["og:title"] == "Stories tagged “Space” — Lifescope News"
    assert space.meta["description"] == "Lifescope News stories about Space."


def test_every_page_links_the_site_feeds_and_search(client):
    content = client.get("/").content.decode()

    feed = '<link rel="alternate" type="application/rss+xml" title="Lifescope News"'
    assert f'{feed} href="/feeds/latest/">' in content
    assert 'action="/search/"' in content
