"""Signed-in readers share the cached pages; what is theirs (the header's account part, the
comment form's "Commenting as …" and token, their waiting comments) is filled in for them alone."""

import pytest
from django.test import Client

from tests.accounts.conftest import make_reader, sign_in
from tests.factories import ArticleFactory, SectionFactory
from tests.reading import page as page_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def signed_in(name, email):
    """A reader signed in through the form, who has read its "signed in" message (a page with a
    flash message is rendered for its reader alone)."""
    client = Client()
    sign_in(client, make_reader(name, email).email)
    assert "Successfully signed in" in client.get("/accounts/profile/").content.decode()
    # The messages cookie was expired (Max-Age=0): a browser drops it, the test client keeps it.
    if client.cookies.get("messages") and not client.cookies["messages"].value:
        del client.cookies["messages"]
    return client


@pytest.fixture
def pages():
    section = SectionFactory(name="Science", slug="science")
    story = ArticleFactory(title="Comet seen", section=section, tags=["space"])
    return [story.get_absolute_url(), "/", "/sections/science/", "/tags/space/"]


def test_no_page_anyone_else_gets_shows_a_readers_name_after_readers_browsed(pages):
    readers = {
        name: signed_in(name, f"{name.split()[0].lower()}@example.com")
        for name in ("Ada Distinct", "Grace Distinct")
    }
    for url in pages:
        for name, client in readers.items():
            other = next(n for n in readers if n != name)
            response = client.get(url)
            header = page_of(response).find("nav", class_="site-account")
            assert header.find("span", class_="site-account__name").text == name
            assert other not in response.content.decode(), url

    for url in pages:
        anonymous = Client().get(url)
        assert anonymous["X-Page-Cache"] == "hit", url
        html = anonymous.content.decode()
        assert "Distinct" not in html and "csrfmiddlewaretoken" not in html, url
        assert page_of(anonymous).find("a", class_="site-account").text == "Sign in"


@pytest.mark.parametrize("count", [1, 3])
def test_a_signed_in_readers_article_page_comes_from_the_cache_for_a_few_queries(
    pages, count, django_assert_max_num_queries
):
    Client().get(pages[0])  # stored for everyone
    clients = [signed_in(f"Reader {n}", f"r{n}@example.com") for n in range(count)]

    for client in clients:
        # their session (unless Redis holds it) and their account; their waiting comments come
        # from this browser's cookie, which they have none of (comments/pending.py)
        with django_assert_max_num_queries(2):
            response = client.get(pages[0])
        assert response["X-Page-Cache"] == "hit"
        assert "private" in response["Cache-Control"]
