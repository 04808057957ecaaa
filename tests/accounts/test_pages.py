"""The account pages: the site's layout on allauth's pages, the header's account part, display
names, My account and My comments."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import URLResolver, get_resolver

from comments.models import Comment
from tests.accounts.conftest import make_reader, reauthenticate
from tests.factories import ApprovedCommentFactory, ArticleFactory, CommentFactory, EditorFactory
from tests.reading import page as page_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_allauth_pages_wear_the_sites_header_footer_and_stylesheet_once(client, url):
    response = client.get(url)

    html = response.content.decode()
    page = page_of(response)
    assert response.status_code == 200
    assert html.count('href="/static/css/site.css"') == 1
    assert len(page.find_all("header", class_="site-header")) == 1
    assert len(page.find_all("footer", class_="site-footer")) == 1
    assert page.find("main", id="main") is not None
    assert page.find("a", class_="site-account").text == "Sign in"
    assert "Lifescope News" in page.find("title").text


def test_the_signed_in_pages_of_allauth_show_the_account_nav(reader_client):
    response = reader_client.get("/accounts/password/change/")

    nav = page_of(response).find("nav", class_="account-nav")
    assert [a.text for a in nav.find_all("a")][:2] == ["My account", "My comments"]
    assert nav.find("a", href="/accounts/password/change/").attrs["aria-current"] == "page"


def test_the_header_offers_sign_in_to_anyone_and_it_is_shared(client, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    ArticleFactory(title="Comet seen")
    client.get("/")
    response = client.get("/")

    assert response["X-Page-Cache"] == "hit"
    assert page_of(response).find("a", class_="site-account").attrs["href"] == (
        "/accounts/login/?next=%2F"
    )
    assert "private" not in response.get("Cache-Control", "")


def test_signing_in_from_the_header_brings_the_reader_back_to_their_page(client, reader):
    article = ArticleFactory()
    page = page_of(client.get(article.get_absolute_url()))
    link = page.find("a", class_="site-account").attrs["href"]

    response = client.post(link, {"login": reader.email, "password": "correct horse battery"})

    assert response["Location"] == article.get_absolute_url()


def test_a_signed_in_reader_sees_their_name_their_pages_and_a_sign_out_button(reader_client):
    response = reader_client.get("/")

    account = page_of(response).find("nav", class_="site-account")
    assert account.find("span", class_="site-account__name").text == "Grace Reader"
    assert [a.attrs["href"] for a in account.find_all("a")] == [
        "/accounts/profile/",
        "/accounts/comments/",
    ]
    form = account.find("form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/accounts/logout/"
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert "private" in response["Cache-Control"]


def test_staff_get_the_account_part_too():
    editor = EditorFactory(first_name="Maya", last_name="Ortiz")
    client = Client()
    client.force_login(editor)
    account = page_of(client.get("/")).find("nav", class_="site-account")
    assert account.find("span", class_="site-account__name").text == "Maya Ortiz"


def test_signing_out_takes_a_post_a_get_changes_nothing(reader_client):
    reader_client.get("/accounts/logout/")
    assert reader_client.get("/accounts/profile/").status_code == 200

    reader_client.post("/accounts/logout/")
    assert reader_client.get("/accounts/profile/").status_code == 302


def test_sign_up_asks_for_a_display_name_and_nothing_shows_the_login(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {
            "name": "  Ada   L. ",
            "email": "ada@example.com",
            "password1": "a-long-unusual-phrase",
            "password2": "a-long-unusual-phrase",
        },
    )

    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="ada@example.com")
    assert user.get_full_name() == "Ada L."
    assert len(mailoutbox) == 1
    assert user.username not in mailoutbox[0].body.replace("ada@example.com", "")


@pytest.mark.parametrize("name", ["", "   ", "Ada\u202eevil", "x" * 81])
def test_a_display_name_must_be_a_name(reader_client, reader, name):
    response = reader_client.post("/accounts/profile/", {"name": name})

    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.get_full_name() == "Grace Reader"


def test_a_new_display_name_shows_over_the_readers_comments_too(
    reader_client, reader, django_capture_on_commit_callbacks
):
    comment = ApprovedCommentFactory(user=reader, name="Grace Reader")
    with django_capture_on_commit_callbacks(execute=True):
        response = reader_client.post("/accounts/profile/", {"name": "G. Hopper"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.name == "G. Hopper"
    article_page = Client().get(comment.article.get_absolute_url()).content.decode()
    assert "G. Hopper" in article_page and "Grace Reader" not in article_page


def test_a_comment_of_a_signed_in_reader_carries_their_display_name_never_their_login(
    reader_client, reader, settings
):
    settings.COMMENTS = {**settings.COMMENTS, "MIN_SECONDS_TO_SUBMIT": 0}
    reader.username = "grace-login-42"
    reader.save()
    article = ArticleFactory()
    html = reader_client.get(article.get_absolute_url()).content.decode()
    assert "Commenting as <strong>Grace Reader</strong>" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    reader_client.post(
        f"/articles/{article.slug}/comments/", {"body": "Well reported.", "token": token}
    )

    comment = Comment.objects.get()
    assert (comment.name, comment.email, comment.user) == ("Grace Reader", reader.email, reader)
    assert "grace-login-42" not in reader_client.get(article.get_absolute_url()).content.decode()


# --- My comments --------------------------------------------------------------------------------


def test_my_comments_lists_theirs_alone_with_what_became_of_each(reader_client, reader):
    article = ArticleFactory(title="The harbour reopens")
    CommentFactory(user=reader, article=article, body="Waiting words")
    ApprovedCommentFactory(user=reader, article=article, body="Published words")
    CommentFactory(user=reader, article=article, body="Refused words", status="rejected")
    CommentFactory(user=reader, article=article, body="Spammy words", status="spam")
    CommentFactory(article=article, body="Someone else's words")

    response = reader_client.get("/accounts/comments/")

    items = page_of(response).find_all("li", class_="my-comment")
    shown = {
        item.find("div", class_="comment__body").text.strip(): item.find(
            "span", class_="my-comment__status"
        ).text
        for item in items
    }
    assert shown == {
        "Spammy words": "Awaiting moderation",
        "Refused words": "Not published",
        "Published words": "Published",
        "Waiting words": "Awaiting moderation",
    }
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Nor does the page's source tell a spammer: their item is marked as a waiting one is.
    marks = {
        item.find("div", class_="comment__body").text.strip(): item.find(
            "span", class_="my-comment__status"
        ).classes
        for item in items
    }
    assert marks["Spammy words"] == marks["Waiting words"]
    assert "spam" not in response.content.decode().replace("Spammy", "")


def test_my_comments_costs_the_same_queries_for_1_and_50(reader_client, reader, count_queries):
    article = ArticleFactory()
    CommentFactory(user=reader, article=article)
    reader_client.get("/accounts/comments/")  # the section links, then cached a minute
    one, queries_for_one = count_queries(reader_client, "/accounts/comments/")
    for _ in range(49):
        CommentFactory(user=reader, article=article)
    fifty, queries_for_fifty = count_queries(reader_client, "/accounts/comments/")

    assert len(page_of(one).find_all("li", class_="my-comment")) == 1
    assert len(page_of(fifty).find_all("li", class_="my-comment")) == 20
    # The session (unless Redis holds it), the user, the count, the comments with their articles.
    assert queries_for_one == queries_for_fifty <= 4


def test_my_comments_pages_and_refuses_a_page_that_is_not_there(reader_client, reader):
    article = ArticleFactory()
    for _ in range(21):
        CommentFactory(user=reader, article=article)

    assert (
        len(
            page_of(reader_client.get("/accounts/comments/?page=2")).find_all(
                "li", class_="my-comment"
            )
        )
        == 1
    )
    assert reader_client.get("/accounts/comments/?page=9").status_code == 404


@pytest.mark.parametrize(
    "url", ["/accounts/profile/", "/accounts/comments/", "/accounts/download/", "/accounts/delete/"]
)
def test_the_readers_own_pages_send_anyone_else_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_no_page_of_an_account_shows_the_login_username(reader_client, reader):
    reader.username = "secret-login-name"
    reader.save()
    ApprovedCommentFactory(user=reader)
    for url in ["/", "/accounts/profile/", "/accounts/comments/", "/accounts/email/"]:
        assert "secret-login-name" not in reader_client.get(url).content.decode(), url
    other = make_reader("Someone", "someone@example.com")
    assert other.get_full_name() == "Someone"


def test_the_demo_has_a_reader_who_signs_in_with_the_printed_password(client):
    from io import StringIO

    from django.core.management import call_command

    output = StringIO()
    call_command("load_demo", stdout=output)

    printed = re.search(r"reader +e-mail: (\S+) +password: (\S+)", output.getvalue())
    assert printed.groups() == ("reader@lifescope.example", "lifescope-reader-demo")
    response = client.post("/accounts/login/", {"login": printed[1], "password": printed[2]})
    assert response.status_code == 302
    mine = page_of(client.get("/accounts/comments/")).find_all("li", class_="my-comment")
    assert len(mine) == 1 and "Published" in mine[0].text
    assert "Jo Rivera" in client.get("/").content.decode()


def test_an_error_page_offers_sign_in_without_echoing_the_address_asked_for(client):
    response = client.get("/authors/some-guessed-login/")

    assert response.status_code == 404
    assert page_of(response).find("a", class_="site-account").attrs["href"] == "/accounts/login/"
    assert "some-guessed-login" not in response.content.decode()


def account_pages():
    """Every page under /accounts/ that takes no argument: allauth's and ours."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith("accounts/") and "<" not in route:
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_every_account_page_opens_for_a_reader_and_for_staff_with_a_second_factor(client):
    editor = EditorFactory(email="editor@example.com")
    TOTP.activate(editor, generate_totp_secret())
    pages = account_pages()
    assert "/accounts/2fa/webauthn/" in pages and "/accounts/comments/" in pages

    failed = []
    for user in (make_reader(), editor):
        client.force_login(user)
        reauthenticate(client)  # the pages behind "confirm your password" open too
        failed += [(user.email, path) for path in pages if client.get(path).status_code >= 500]

    assert failed == []
