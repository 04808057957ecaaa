"""Listings count at most MAX_PAGES pages of stories, never the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifescope import pagination
from tests.factories import ArticleFactory, SectionFactory
from tests.reading import texts

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
