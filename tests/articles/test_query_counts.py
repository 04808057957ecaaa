"""Pages must cost the same number of queries with 2 or 50 articles and any number of tags."""

import pytest

from tests.factories import ArticleFactory, EditorFactory, SectionFactory

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


@pytest.mark.parametrize(
    ("page", "budget"),
    [
        (lambda articles: "/", 6),
        (lambda articles: articles[0].get_absolute_url(), 4),
        (lambda articles: articles[0].section.get_absolute_url(), 5),
        (lambda articles: "/tags/common/", 5),
        (lambda articles: articles[0].author.author_profile.get_absolute_url(), 5),
    ],
    ids=["front", "article", "section", "tag", "author"],
)
def test_query_count_does_not_grow_with_content(client, count_queries, page, budget):
    few = make_articles(2, tags_each=1)  # the front page's lead plus one listed story
    _, warm_up = count_queries(client, page(few))  # fills the sidebar caches
    _, with_one = count_queries(client, page(few))

    many = few + make_articles(48, tags_each=5, offset=2)
    many[0].tags.add(*[f"extra-{t}" for t in range(20)])
    response, with_fifty = count_queries(client, page(many))

    assert response.status_code == 200
    assert with_one == with_fifty <= budget
    assert warm_up > with_one, "a cold sidebar cache should cost extra queries once"
