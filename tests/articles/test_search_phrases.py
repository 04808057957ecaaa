"""Phrases, stop words, the order of results across pages and the cost of a search page, on
each database's own search.

On PostgreSQL a phrase is found through the index of adjacent word pairs, and a longer one is
checked against word positions; these tests hold that to what a reader expects of quotes.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import search
from tests.factories import ArticleFactory
from tests.reading import search_titles

pytestmark = pytest.mark.django_db


def found(query, scope=None):
    return [hit.article.title for hit in search.search(query, scope)[0:50]]


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_a_phrase_needs_its_words_next_to_each_other_and_in_order():
    ArticleFactory(title="Adjacent", body="<p>The market minister spoke.</p>", published_at=ago(1))
    ArticleFactory(title="Apart", body="<p>The market and the minister.</p>", published_at=ago(2))
    ArticleFactory(title="Reversed", body="<p>A minister market stall.</p>", published_at=ago(3))

    assert found('"market minister"') == ["Adjacent"]
    assert found('"minister market"') == ["Reversed"]
    assert sorted(found("market minister")) == ["Adjacent", "Apart", "Reversed"]


def test_longer_phrases_stop_words_and_stemming_inside_quotes():
    ArticleFactory(title="Talks", body="<p>The prime minister of Colombia resigned.</p>")
    ArticleFactory(title="Visit", body="<p>Colombia has a prime minister.</p>")
    ArticleFactory(title="Cuts", body="<p>Central banks cut interest rates again.</p>")

    assert found('"prime minister of colombia"') == ["Talks"]
    assert found('"prime minister colombia"') == []
    assert found('"banks cutting interest rate"') == ["Cuts"]


def test_a_phrase_with_other_words_and_an_excluded_word():
    ArticleFactory(title="Summit", body="<p>Climate change in Colombia.</p>", published_at=ago(1))
    ArticleFactory(title="Coal", body="<p>Climate change and coal.</p>", published_at=ago(2))
    ArticleFactory(title="Other", body="<p>Colombia changes its climate plan.</p>")

    assert found('"climate change" colombia') == ["Summit"]
    assert found('"climate change" -coal') == ["Summit"]


def test_a_phrase_in_a_headline_ranks_above_one_in_the_body():
    ArticleFactory(title="Interest rates rise", body="<p>Banks.</p>", published_at=ago(48))
    ArticleFactory(title="Banks", body="<p>Interest rates rise.</p>", published_at=ago(1))
    ArticleFactory(title="Rates of interest", body="<p>None.</p>", published_at=ago(2))

    assert found('"interest rates"') == ["Interest rates rise", "Banks"]


def test_an_edited_body_takes_its_phrase_with_it():
    article = ArticleFactory(title="Report", body="<p>Supply chain trouble.</p>")
    assert found('"supply chain"') == ["Report"]

    article.body = "<p>Chain of supply trouble.</p>"
    article.save()

    assert found('"supply chain"') == []
    assert found('"chain of supply"') == ["Report"]


@pytest.mark.parametrize("query", ["the", '"of the"', "the -storm", '"to be" -storm', "-storm"])
def test_stop_words_alone_find_nothing_on_postgresql(query):
    if connection.vendor != "postgresql":
        pytest.skip("FTS5 has no stop words: it finds them like any word")
    ArticleFactory(title="Storm warning", body="<p>To be or not to be, the storm.</p>")
    ArticleFactory(title="Calm seas", body="<p>Of the sea.</p>")

    results = search.search(query)

    assert results.count() == 0
    assert list(results[0:10]) == []


def test_stop_words_around_a_word_still_find_it():
    ArticleFactory(title="Storm warning", body="<p>The storm is coming.</p>")

    assert found('"the storm"') == ["Storm warning"]
    assert found("the storm") == ["Storm warning"]


@pytest.mark.parametrize("count_limit", [None, 14])
def test_pages_list_every_match_once_title_matches_first(client, monkeypatch, count_limit):
    """With fewer matches than the count's limit, and with more (ranked another way on
    PostgreSQL), the first pages hold the title matches, then the others, each once."""
    if count_limit:
        monkeypatch.setattr(type(search.get_backend()), "COUNT_LIMIT", count_limit)
    for hour in range(7):
        ArticleFactory(title=f"Comet {hour}", body="<p>Sky.</p>", published_at=ago(hour + 10))
    for hour in range(8):
        ArticleFactory(title=f"Sky {hour}", body="<p>A comet.</p>", published_at=ago(hour))

    pages = [search_titles(client.get("/search/", {"q": "comet", "page": n})) for n in (1, 2)]

    assert sorted(pages[0][:7]) == [f"Comet {hour}" for hour in range(7)]
    body_only = pages[0][7:] + pages[1]
    assert len(set(body_only)) == len(body_only) == (7 if count_limit else 8)
    assert set(body_only) <= {f"Sky {hour}" for hour in range(8)}
    if connection.vendor == "postgresql":  # FTS5's bm25 orders equal stories its own way
        assert body_only == sorted(body_only)  # newest first


def test_a_phrase_search_costs_the_same_queries_for_few_and_many_matches(client, count_queries):
    ArticleFactory(title="Tide", body="<p>Spring tides came.</p>", tags=["Sea"])
    client.get("/search/", {"q": '"spring tides"'})  # warms the sidebar caches
    _, few = count_queries(client, "/search/?q=%22spring+tides%22")
    for n in range(30):
        ArticleFactory(title=f"Tide {n}", body="<p>Spring tides came.</p>", tags=["Sea", f"t{n}"])

    response, many = count_queries(client, "/search/?q=%22spring+tides%22")

    assert len(search_titles(response)) == 10
    assert few == many


def test_past_the_count_limit_the_queries_stop_growing(client, count_queries, monkeypatch):
    """Up to the limit the count's rows are the ranked list; past it the page is one more
    query, whatever the number of matches."""
    monkeypatch.setattr(type(search.get_backend()), "COUNT_LIMIT", 5)
    for n in range(3):
        ArticleFactory(title=f"Geyser {n}", tags=["Iceland"])
    client.get("/search/", {"q": "geyser"})  # warms the sidebar caches
    _, few = count_queries(client, "/search/?q=geyser")
    for n in range(9):
        ArticleFactory(title=f"Geyser report {n}", tags=["Iceland"])
    _, many = count_queries(client, "/search/?q=geyser")
    for n in range(20):
        ArticleFactory(title=f"Geyser news {n}", tags=["Iceland"])

    response, more = count_queries(client, "/search/?q=geyser")

    assert "5+ stories found" in response.content.decode()
    assert few <= many == more <= few + 1
