"""Signed-in readers share the cached pages; what is theirs (the header's account part, the
comment form's "Commenting as …" and token, their waiting comments) is filled in for them alone."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from tests.accounts.conftest import PASSWORD, make_reader, reauthenticate, sign_in
from tests.comments.conftest import comment_data
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
def test_a_signed_in_readers_pages_come_from_the_cache_without_a_query(
    pages, count, django_assert_num_queries
):
    for url in pages:
        Client().get(url)  # stored for everyone
    clients = [signed_in(f"Reader {n}", f"r{n}@example.com") for n in range(count)]

    for n, client in enumerate(clients):
        client.get(pages[0])  # who the session is: read once, then kept with the page cache
        for url in pages:
            # their waiting comments come from this browser's cookie (comments/pending.py)
            with django_assert_num_queries(0):
                response = client.get(url)
            assert response["X-Page-Cache"] == "hit"
            assert "private" in response["Cache-Control"]
            assert f"Reader {n}" in response.content.decode()


def name_in_header(response):
    name = page_of(response).find("span", class_="site-account__name")
    return name.text if name else None


def rename(client, captured):
    with captured(execute=True):
        assert client.post("/accounts/profile/", {"name": "G. Hopper"}).status_code == 302


def delete(client, captured):
    reauthenticate(client)
    with captured(execute=True):
        response = client.post("/accounts/delete/", {"comments": "remove"})
    assert "Your account is deleted" in response.content.decode()


def change_password(client, captured):
    data = {"oldpassword": PASSWORD, "password1": "a new horse staple", "password2": ""}
    data["password2"] = data["password1"]
    with captured(execute=True):
        assert client.post("/accounts/password/change/", data).status_code == 302


def make_staff(client, captured):
    with captured(execute=True):
        user = get_user_model().objects.get(email="grace@example.com")
        user.is_staff = True
        user.save()


@pytest.mark.parametrize(
    "change, then",
    [
        (rename, "G. Hopper"),  # the new name on the next page, not the kept one
        (delete, None),  # signed out on the next request
        (change_password, None),  # every other session of theirs ends
        (make_staff, "staff"),  # staff never get the shared page
    ],
    ids=["renamed", "deleted", "password-changed", "made-staff"],
)
def test_a_change_to_the_account_elsewhere_shows_on_the_readers_next_cached_page(
    pages, change, then, django_capture_on_commit_callbacks
):
    Client().get(pages[0])
    reading = signed_in("Grace Reader", "grace@example.com")
    assert name_in_header(reading.get(pages[0])) == "Grace Reader"
    assert name_in_header(reading.get(pages[0])) == "Grace Reader"  # the identity is kept now
    elsewhere = Client()
    sign_in(elsewhere, "grace@example.com")

    change(elsewhere, django_capture_on_commit_callbacks)

    response = reading.get(pages[0])
    if then == "staff":
        assert response.get("X-Page-Cache") is None
    else:
        assert name_in_header(response) == then
        assert ("Grace Reader" in response.content.decode()) is False


def test_a_session_signed_out_is_anonymous_even_if_its_cookie_comes_back(pages):
    Client().get(pages[0])
    reading = signed_in("Grace Reader", "grace@example.com")
    assert name_in_header(reading.get(pages[0])) == "Grace Reader"
    kept = reading.cookies["sessionid"].value

    reading.post("/accounts/logout/")
    replayed = Client()
    replayed.cookies["sessionid"] = kept
    response = replayed.get(pages[0])

    assert response["X-Page-Cache"] == "hit"
    assert name_in_header(response) is None
    assert "Grace Reader" not in response.content.decode()


def test_readers_of_the_same_name_share_a_rendered_part_never_a_token(pages):
    article_url = pages[0]
    readers = []
    for email in ("one@example.com", "two@example.com"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_reader("Same Name", email))
        client.get(article_url)
        readers.append(client)

    tokens = []
    for client in readers:
        form = page_of(client.get(article_url)).find("form", id="comment-form")
        assert "Commenting as Same Name." in form.text
        tokens.append(form.find("input", name="csrfmiddlewaretoken").attrs["value"])

    post_url = form.attrs["action"]
    article = ArticleFactory._meta.model.objects.get()
    theirs = {**comment_data(article), "csrfmiddlewaretoken": tokens[1]}
    assert readers[0].post(post_url, theirs).status_code == 403
    mine = {**comment_data(article), "csrfmiddlewaretoken": tokens[0]}
    assert readers[0].post(post_url, mine).status_code == 302


@pytest.fixture
def cache_reads(monkeypatch):
    """The reads the request makes of the shared cache (Redis, in production): one list entry
    per call from outside the cache backend, whatever the backend does inside it."""
    backend = type(caches["default"])
    calls, inside = [], []

    def counting(name, original):
        def counted(self, *args, **kwargs):
            if not inside:
                calls.append(name)
            inside.append(name)
            try:
                return original(self, *args, **kwargs)
            finally:
                inside.pop()

        return counted

    for name in ("get", "get_many", "get_or_set", "has_key"):
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    return calls


def test_a_cached_page_is_one_cache_read_for_a_reader_or_anyone(pages, cache_reads):
    anonymous, reader = Client(), signed_in("Grace Reader", "grace@example.com")
    for client in (anonymous, reader):
        for url in pages:
            client.get(url)  # stored for everyone; who the session is, kept
            client.get(url)  # what the page's hit reads, known to this process

            cache_reads.clear()
            response = client.get(url)

            assert response["X-Page-Cache"] == "hit"
            assert "Popular posts" in response.content.decode()
            # the page, its names' stamps, the popular box, who the session is: one round trip
            assert cache_reads == ["get_many"], url


def test_a_readers_waiting_comment_leaves_the_browser_with_them(pages):
    """A shared computer: after Ada signs out, neither the next anonymous reader nor Bob signed
    in on the same browser sees Ada's waiting comment or her name; Ada, back, sees it again."""
    article = ArticleFactory._meta.model.objects.get()
    browser = signed_in("Ada Secretname", "ada@example.com")
    posted = browser.post(
        f"/articles/{article.slug}/comments/",
        comment_data(article, body="Held for the moderators, my words alone."),
    )
    assert posted.status_code == 302
    assert "my words alone" in browser.get(pages[0]).content.decode()

    browser.post("/accounts/logout/")
    anonymous = browser.get(pages[0]).content.decode()
    sign_in(browser, make_reader("Bob Other", "bob@example.com").email)
    bob = browser.get(pages[0]).content.decode()
    browser.post("/accounts/logout/")
    sign_in(browser, "ada@example.com")
    ada_again = browser.get(pages[0]).content.decode()

    for html in (anonymous, bob):
        assert "my words alone" not in html and "Secretname" not in html
    assert "my words alone" in ada_again


def test_an_anonymous_readers_waiting_comment_is_not_shown_to_whoever_signs_in_next(pages):
    article = ArticleFactory._meta.model.objects.get()
    browser = Client()
    browser.post(
        f"/articles/{article.slug}/comments/",
        comment_data(article, name="Anon Writer", body="Posted before anyone signed in."),
    )
    assert "Posted before anyone" in browser.get(pages[0]).content.decode()

    sign_in(browser, make_reader("Bob Other", "bob@example.com").email)

    assert "Posted before anyone" not in browser.get(pages[0]).content.decode()
