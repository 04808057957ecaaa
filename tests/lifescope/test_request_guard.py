"""The edge of the site (lifescope/guard.py): control characters and oversized bodies are refused
before any view, form or database sees them, with a page that says why."""

import io
import sys
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from comments.models import Comment
from lifescope.guard import read_chunked_bodies
from tests import reading
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def refusal(response):
    """The refusal page's heading and explanation, as a reader sees them."""
    shown = reading.page(response).find(class_="error-page")
    return shown.find("h1").text, shown.find("p").text


# --- Control characters -------------------------------------------------------------------


def test_a_nul_in_the_user_agent_never_reaches_the_database(client):
    # On PostgreSQL the comment's save failed (DataError: NUL in a string): a 500 (issue #16).
    article = ArticleFactory()
    agent = "Agent\x00/1.0 \x1b[31mrouge é".encode().decode("latin-1")  # as WSGI hands it over

    response = client.post(comments_url(article), comment_data(article), HTTP_USER_AGENT=agent)

    assert response.status_code == 302
    assert Comment.objects.get().user_agent == "Agent/1.0 [31mrouge é"


def test_a_nul_in_an_admin_list_filter_is_a_bad_request(client, editor):
    # On PostgreSQL the change list's query failed: a 500 (issue #16).
    client.force_login(editor)

    response = client.get("/admin/articles/article/?status__exact=%00")

    assert response.status_code == 400
    assert refusal(response) == (
        "That link doesn’t look right",
        "The parameter “status__exact” holds a control character (U+0000), which no link or "
        "form sends.",
    )


REFUSED_READS = [
    ("/search/?q=%00storm", "The parameter “q” holds a control character (U+0000)"),
    ("/search/?q=storm%1b[2J", "The parameter “q” holds a control character (U+001B)"),
    ("/search/?q=%7F", "The parameter “q” holds a control character (U+007F)"),
    ("/search/?q%09=storm", "A parameter’s name holds a control character (U+0009)"),
    ("/?page=%0B", "The parameter “page” holds a control character (U+000B)"),
    ("/sections/world%00/", "The address holds a control character (U+0000)"),
    ("/articles/a%0Db/", "The address holds a control character (U+000D)"),
    ("/media/x%01.jpg", "The address holds a control character (U+0001)"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_READS)
def test_control_characters_in_the_address_are_a_bad_request(client, url, reason):
    response = client.get(url)

    assert response.status_code == 400
    assert refusal(response)[1].startswith(reason)


def test_a_control_character_in_a_cookie_is_a_bad_request(client):
    client.cookies["sessionid"] = "abc\x00def"

    response = client.get("/")

    assert response.status_code == 400
    assert refusal(response)[1].startswith("The cookie “sessionid” holds a control character")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"body": "nul\x00byte"}, "The field “body” holds a control character (U+0000)"),
        ({"name": "Ada\x07"}, "The field “name” holds a control character (U+0007)"),
        ({"body": "escape \x1b[31m"}, "The field “body” holds a control character (U+001B)"),
    ],
)
def test_control_characters_in_a_form_refuse_it_and_store_nothing(client, fields, reason):
    article = ArticleFactory()

    response = client.post(comments_url(article), comment_data(article, **fields))

    assert response.status_code == 400
    heading, explanation = refusal(response)
    assert heading == "That form could not be taken"
    assert explanation.startswith(reason)
    assert "Go back, remove it" in explanation
    assert not Comment.objects.exists()


def test_tabs_and_line_breaks_that_people_type_are_taken(client):
    article = ArticleFactory()

    posted = client.post(
        comments_url(article), comment_data(article, body="First line\r\n\tindented line")
    )
    searched = client.get("/search/", {"q": "storm\tsurge"})

    assert posted.status_code == 302
    assert Comment.objects.get().body == "First line\n\tindented line"
    assert searched.status_code == 200


# --- Body sizes ---------------------------------------------------------------------------


class Unread(io.RawIOBase):
    """A request body of `size` bytes that is made as it is read, counting what was."""

    def __init__(self, size):
        self.left = size
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.left)
        buffer[:count] = b"x" * count
        self.left -= count
        self.read_bytes += count
        return count


def test_an_oversized_comment_is_refused_before_it_is_read(client):
    article = ArticleFactory()
    body = Unread(80 * MB)

    response = client.generic(
        "POST",
        comments_url(article),
        CONTENT_LENGTH=str(80 * MB),
        CONTENT_TYPE="application/x-www-form-urlencoded",
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert refusal(response) == (
        "That is more than this page takes",
        "You sent 80.0 MB; the most this address accepts is 64.0 KB.",
    )
    assert body.read_bytes == 0
    assert not Comment.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(client, editor):
    # An 80 MB picture used to be read whole, then refused as over 15 MB (issue #16).
    client.force_login(editor)
    body = Unread(80 * MB)

    response = client.generic(
        "POST",
        reverse("admin:articles_article_add"),
        CONTENT_LENGTH=str(80 * MB),
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert refusal(response)[1] == (
        "You sent 80.0 MB; the most this address accepts is 17.5 MB. "
        "A picture may be at most 15.0 MB."
    )
    assert body.read_bytes == 0


@pytest.fixture
def wsgi_post():
    """POSTs through Django's WSGI handler inside the wrapper lifescope/wsgi.py puts around it,
    as gunicorn hands a request over.

    Like Django's test client, it keeps the request from closing the test's database
    connection, whose transaction holds the test's data.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    application = read_chunked_bodies(WSGIHandler())

    def post(path, **environ):
        request = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "wsgi.errors": sys.stderr}
        request.update(environ)
        setup_testing_defaults(request)
        status = []
        content = b"".join(application(request, lambda s, h, exc_info=None: status.append(s)))
        return int(status[0].split()[0]), content.decode()

    yield post
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def chunked(stream):
    """A body sent in chunks: gunicorn passes it on as a stream with no CONTENT_LENGTH."""
    return {
        "wsgi.input": stream,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }


def test_a_chunked_body_is_stopped_at_the_limit(wsgi_post):
    article = ArticleFactory()
    body = Unread(80 * MB)

    status, page = wsgi_post(comments_url(article), **chunked(body))

    assert status == 413
    assert "You sent more than the 64.0\xa0KB this address accepts." in page
    assert body.read_bytes == 64 * 1024 + 1
    assert not Comment.objects.exists()


def test_a_chunked_comment_within_the_limit_is_taken(wsgi_post):
    # Django reads no body without a length: the comment arrived empty and was refused.
    article = ArticleFactory()
    form = urlencode(comment_data(article)).encode()

    status, _ = wsgi_post(comments_url(article), **chunked(io.BytesIO(form)))

    assert status == 302
    assert Comment.objects.get().body == "A thoughtful comment about the story."
