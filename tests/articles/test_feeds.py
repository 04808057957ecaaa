import xml.etree.ElementTree as ET

import pytest

from tests.factories import (
    ArticleFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    EditorFactory,
    ScheduledArticleFactory,
    SectionFactory,
    hours_ago,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"


def rss_items(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def test_rss_lists_published_stories_newest_first_with_everything_a_reader_needs(client):
    older = ArticleFactory(title="Older story", published_at=hours_ago(5))
    newer = ArticleWithImageFactory(
        title="Newer story",
        standfirst="The summary.",
        body='<p>Full text with <a href="/articles/older/">a link</a>.</p>',
        byline="Ana Reporter",
        published_at=hours_ago(1),
        tags=["Ports", "Trade"],
    )
    DraftArticleFactory(title="Secret draft")
    ScheduledArticleFactory(title="Future scoop")

    channel, items = rss_items(client, "/feeds/latest/")

    assert channel.findtext("title") == "Lifescope News"
    assert channel.findtext("link") == "http://testserver/"
    assert [item.findtext("title") for item in items] == ["Newer story", "Older story"]
    first = items[0]
    assert first.findtext("link") == f"http://testserver{newer.get_absolute_url()}"
    assert first.findtext("description") == "The summary."
    assert first.findtext(f"{DC}creator") == "Ana Reporter"
    assert sorted(c.text for c in first.findall("category")) == ["Ports", "Trade"]
    assert first.findtext(f"{CONTENT}encoded") == (
        '<p>Full text with <a href="http://testserver/articles/older/">a link</a>.</p>'
    )
    enclosure = first.find("enclosure").attrib
    assert enclosure == {
        "url": f"http://testserver{newer.hero_image.url}",
        "length": str(newer.hero_image.size),
        "type": "image/jpeg",
    }
    assert items[1].find("enclosure") is None
    assert older.author.get_full_name() == items[1].findtext(f"{DC}creator")


def test_enclosure_sizes_are_asked_of_the_storage_once(client, monkeypatch):
    ArticleWithImageFactory()
    client.get("/feeds/latest/")
    from django.core.files.storage import FileSystemStorage

    def no_storage(*args):
        raise AssertionError("the size should come from the cache")

    monkeypatch.setattr(FileSystemStorage, "size", no_storage)
    _, items = rss_items(client, "/feeds/latest/")

    assert int(items[0].find("enclosure").get("length")) > 0


def test_atom_feed_has_entries_with_authors_content_and_enclosures(client):
    article = ArticleWithImageFactory(title="Atom story", tags=["Energy"], byline="Bo Writer")
    DraftArticleFactory(title="Secret draft")

    response = client.get("/feeds/atom/")
    feed = ET.fromstring(response.content)

    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Atom story"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Bo Writer"
    assert entry.find(f"{ATOM}content").get("type") == "html"
    assert entry.findtext(f"{ATOM}content") == article.body
    assert entry.find(f"{ATOM}category").get("term") == "Energy"
    links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
    assert links["alternate"] == f"http://testserver{article.get_absolute_url()}"
    assert links["enclosure"] == f"http://testserver{article.hero_image.url}"


def test_section_and_tag_feeds_hold_only_their_stories(client):
    science = SectionFactory(name="Science", slug="science")
    ArticleFactory(title="Comet", section=science, tags=["Space"])
    ArticleFactory(title="Election", tags=["Space"])
    DraftArticleFactory(title="Draft comet", section=science, tags=["Space"])

    section_channel, section_items = rss_items(client, "/sections/science/feed/")
    _, tag_items = rss_items(client, "/tags/space/feed/")

    assert section_channel.findtext("title") == "Science — Lifescope News"
    assert section_channel.findtext("link") == "http://testserver/sections/science/"
    assert [item.findtext("title") for item in section_items] == ["Comet"]
    assert [item.findtext("title") for item in tag_items] == ["Election", "Comet"]


@pytest.mark.parametrize("url", ["/sections/nowhere/feed/", "/tags/nothing/feed/"])
def test_feeds_of_unknown_sections_and_tags_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_feeds_hold_the_latest_twenty(client):
    section = SectionFactory()
    author = EditorFactory()
    for hour in range(22):
        ArticleFactory(title=f"Story {hour}", section=section, author=author,
                       published_at=hours_ago(hour + 1))  # fmt: skip

    _, items = rss_items(client, "/feeds/latest/")

    assert len(items) == 20
    assert items[0].findtext("title") == "Story 0"
    assert items[-1].findtext("title") == "Story 19"


@pytest.mark.parametrize(
    "url", ["/feeds/latest/", "/feeds/atom/", "/sections/shared/feed/", "/tags/common/feed/"]
)
def test_feed_query_count_does_not_grow_with_articles(client, count_queries, url):
    section = SectionFactory(slug="shared")

    def add(count, offset):
        for n in range(count):
            ArticleWithImageFactory(section=section, tags=["common", f"tag-{offset + n}"])

    add(2, 0)
    client.get(url)  # caches the image sizes
    _, with_two = count_queries(client, url)
    add(48, 2)
    client.get(url)
    response, with_fifty = count_queries(client, url)

    assert response.status_code == 200
    assert with_two == with_fifty <= 3
