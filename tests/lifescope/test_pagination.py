"""Listings count at most MAX_PAGES pages of stories, never the whole table."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifescope import pagination
from tests.factories import ArticleFactory, SectionFactory
from tests.reading import card_titles, page, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pages_at_most(monkeypatch, settings):
    monkeypatch.setattr(pagination, "MAX_PAGES", 2)


def test_the_front_page_counts_with_a_limit(client, two_pages_at_most):
    section = SectionFactory()
    ArticleFactory.create_batch(36, section=section)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper()
    assert texts(response, class_="pagination__current") == ["Page 1 of 2"]
    assert client.get("/?page=2").status_code == 200
    assert client.get("/?page=3").status_code == 404
    assert client.get(section.get_absolute_url() + "?page=3").status_code == 404


def pager_links(response):
    pager = page(response).find_all("nav", class_="pagination")[0]
    return {link.text: link.attrs["href"] for link in pager.find_all("a")}


def test_the_last_page_of_a_capped_listing_sends_readers_to_the_archive(client, two_pages_at_most):
    tag = "weather"
    for article in ArticleFactory.create_batch(21):
        article.tags.add(tag)

    last = client.get(f"/tags/{tag}/?page=2")

    assert texts(last, class_="pagination__current") == ["Page 2 of 2"]
    assert pager_links(last) == {
        "← Newer stories": "?page=1",
        "Older stories in the archive →": "/archive/",
    }
    assert client.get(f"/tags/{tag}/?page=3").status_code == 404


def test_a_listing_within_the_cap_ends_without_the_archive_link(client, two_pages_at_most):
    ArticleFactory.create_batch(20)  # the lead story and nineteen more: two pages, nothing left out

    last = client.get("/?page=2")

    assert texts(last, class_="pagination__current") == ["Page 2 of 2"]
    assert pager_links(last) == {"← Newer stories": "?page=1"}


def count_queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_a_month_of_the_archive_lists_every_story_past_the_cap(client, two_pages_at_most):
    start = datetime(2025, 3, 2, 8, tzinfo=UTC)
    for hours in range(25):
        ArticleFactory(published_at=start + timedelta(hours=hours))

    last = client.get("/archive/2025/03/?page=3")

    assert texts(last, class_="pagination__current") == ["Page 3 of 3"]
    assert len(card_titles(last)) == 5
    assert pager_links(last) == {"← Newer stories": "?page=2"}


def test_the_archive_index_does_not_send_readers_to_itself(client, two_pages_at_most):
    ArticleFactory.create_batch(25)

    last = client.get("/archive/?page=2")

    assert texts(last, class_="pagination__current") == ["Page 2 of 2"]
    assert pager_links(last) == {"← Newer stories": "?page=1"}
