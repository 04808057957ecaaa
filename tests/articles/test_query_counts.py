"""Pages cost the same number of queries with 2 or 50 articles and any number of tags: the one
budget per page of tests/lifescope/test_query_budgets.py."""

import pytest

from articles import services
from tests.factories import ArticleFactory, EditorFactory, SectionFactory
from tests.lifescope.test_query_budgets import BUDGETS

pytestmark = pytest.mark.django_db


def make_articles(count, tags_each, offset=0):
    """Articles sharing one section, one author and the tag "common", each with its own tags."""
    section, author = SectionFactory(slug="shared"), EditorFactory(username="shared-author")
    return [
        ArticleFactory(
            section=section,
            author=author,
            tags=["common", *(f"tag-{offset + n}-{t}" for t in range(tags_each))],
        )
        for n in range(count)
    ]


PAGES = {
    "front": lambda articles: "/",
    "article": lambda articles: articles[0].get_absolute_url(),
    "section": lambda articles: articles[0].section.get_absolute_url(),
    "tag": lambda articles: "/tags/common/",
    "author": lambda articles: articles[0].author.author_profile.get_absolute_url(),
}


@pytest.mark.parametrize("name", PAGES)
def test_query_count_does_not_grow_with_content(
    client, count_queries, name, django_capture_on_commit_callbacks
):
    page = PAGES[name]
    few = make_articles(2, tags_each=1)  # the front page's lead plus one listed story
    _, warm_up = count_queries(client, page(few))  # fills the boxes and the page's fragments
    _, with_one = count_queries(client, page(few))

    with django_capture_on_commit_callbacks(execute=True):
        many = few + make_articles(48, tags_each=5, offset=2)
        many[0].tags.add(*[f"extra-{t}" for t in range(20)])
        services.everything_changed()  # as the admin's saves would, story by story
    count_queries(client, page(many))
    response, with_fifty = count_queries(client, page(many))

    assert response.status_code == 200
    assert with_one == with_fifty == BUDGETS[name]
    assert warm_up > with_one, "a cold box or fragment should cost extra queries once"
