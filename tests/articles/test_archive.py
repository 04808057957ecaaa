from datetime import UTC, datetime

import pytest

from tests.factories import ArticleFactory, DraftArticleFactory, ScheduledArticleFactory
from tests.reading import card_titles

pytestmark = pytest.mark.django_db


def on(year, month, day):
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def stories():
    ArticleFactory(title="January story", published_at=on(2024, 1, 10))
    ArticleFactory(title="March story", published_at=on(2024, 3, 5))
    ArticleFactory(title="Late March story", published_at=on(2024, 3, 28))
    ArticleFactory(title="Next year story", published_at=on(2025, 6, 1))
    DraftArticleFactory(title="March draft", published_at=on(2024, 3, 6))


def titles(response):
    return card_titles(response)


def test_a_month_lists_its_published_stories_with_links_to_neighbouring_months(client, stories):
    response = client.get("/archive/2024/03/")
    content = response.content.decode()

    assert titles(response) == ["Late March story", "March story"]
    assert "<h1>March 2024</h1>" in content
    # February is empty, so "previous" skips to January; "next" jumps to June 2025.
    assert '<a rel="prev" href="/archive/2024/1/">&larr; January 2024</a>' in content
    assert '<a rel="next" href="/archive/2025/6/">June 2025 &rarr;</a>' in content


def test_a_year_lists_its_months_and_stories(client, stories):
    response = client.get("/archive/2024/")
    content = response.content.decode()

    assert titles(response) == ["Late March story", "March story", "January story"]
    assert '<a href="/archive/2024/1/">January</a>' in content
    assert '<a href="/archive/2024/3/">March</a>' in content
    assert '<a rel="next" href="/archive/2025/">2025 &rarr;</a>' in content


def test_the_archive_index_lists_years(client, stories):
    content = client.get("/archive/").content.decode()

    assert '<a href="/archive/2025/">2025</a>' in content
    assert '<a href="/archive/2024/">2024</a>' in content


def test_scheduled_stories_stay_out_of_the_archive(client):
    ArticleFactory(title="Out now", published_at=on(2024, 3, 5))
    scheduled = ScheduledArticleFactory(title="Tomorrow")
    when = scheduled.published_at

    assert client.get(f"/archive/{when.year}/{when.month}/").status_code in (200, 404)
    assert "Tomorrow" not in client.get(f"/archive/{when.year}/{when.month}/").content.decode()
    assert "Tomorrow" not in client.get("/archive/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/archive/2024/13/",
        "/archive/2024/0/",
        "/archive/0/",
        "/archive/0/1/",
        "/archive/99999/1/",
        "/archive/2024/02/",  # valid but empty
        "/archive/1999/",
        "/archive/2024/99999999999999999999/",
    ],
)
def test_impossible_or_empty_dates_are_not_found(client, stories, url):
    assert client.get(url).status_code == 404
