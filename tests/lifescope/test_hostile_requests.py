"""No request a reader (or a bot) can send gets a 5xx or stores anything (issue #16).

Hypothesis builds requests for every route the URL resolver knows, outside the admin
(tests/lifescope/test_hostile_admin.py has the staff's side), plus /static/: hostile and real
path arguments, query strings, headers and bodies, raw bytes included. The readers' forms
(comments, search) get bodies and parameters shaped like theirs. Each route's examples are
fixed (the "ci" profile in tests/conftest.py derandomizes) and counted; the run prints the
counts per database at its end. Run on SQLite by `make test`, on PostgreSQL by CI's second step.
"""

import itertools
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from articles.sitemaps import SITEMAPS
from comments.forms import CommentForm
from editorial import preview
from tests import hostile
from tests.comments.conftest import comment_data
from tests.factories import (
    ApprovedCommentFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    ScheduledArticleFactory,
)

pytestmark = pytest.mark.django_db

ROUTES = [*hostile.routes(), hostile.Route("static/<path>", "static", None)]
# The query parameters each view reads, tried in turn with every one of hostile.KEY_VALUES;
# Hypothesis also sends them, and others, to every route.
READS = {
    "articles:detail": {"reply_to"},
    "articles:search": {"q", "section", "since", "until", "page"},
    "analytics:popular": {"window"},
    "articles:front_page": {"page"},
    "articles:section": {"page"},
    "articles:tag": {"page"},
    "articles:author": {"page"},
    "articles:archive": {"page"},
    "articles:archive_year": {"page"},
    "articles:archive_month": {"page"},
}
PARAMETERS = set().union(*READS.values(), {"utm_source", "o", "format"})
# Examples Hypothesis draws per route, beyond the explicit ones: more where a view parses
# parameters or path arguments of its own.
EXAMPLES = {
    "articles:detail": 40,
    "articles:search": 40,
    "articles:archive_month": 30,
    "comments:post": 30,
    "editorial:shared_preview": 30,
    "media/<path>": 30,
    "static": 30,
}
DEFAULT_EXAMPLES = 15
METHODS = ["GET", "GET", "GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE"]


@pytest.fixture
def site(settings, client):
    """A small site, and the real values its addresses and parameters take."""
    settings.TIME_ZONE = hostile.TIME_ZONE
    settings.COMMENTS = {**settings.COMMENTS, "RATE_LIMIT_POSTS": 10**9}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    article = ArticleWithImageFactory(tags=["Budget"])
    draft = DraftArticleFactory(section=article.section, author=article.author)
    ScheduledArticleFactory(section=article.section)
    comment = ApprovedCommentFactory(article=article)
    published = article.published_at
    token = urlsplit(preview.preview_url(draft)).path.rstrip("/").rsplit("/", 1)[-1]
    real = {
        "slug": {article.slug, article.section.slug, "budget", draft.slug},
        "username": {article.author.username},
        "year": {str(published.year)},
        "month": {f"{published.month:02}", str(published.month)},
        "token": {token},
        "section": {*SITEMAPS, article.section.slug},
        "path": {article.hero_image.name, "css/site.css", "favicon.svg"},
        "page": {"1", "2"},
        "window": {"24h", "7d", "30d"},
        "q": {"budget", '"budget news"', "-budget", "storm*"},
        "since": {published.date().isoformat()},
        "until": {published.date().isoformat()},
        "reply_to": {str(comment.pk)},
    }
    # The article's page once, as readers would have: its first view stores the thread.
    client.get(article.get_absolute_url())
    return {"real": real, "article": article}


def working_arguments(client, route, real):
    """The first real arguments the route answers, found by asking it as a reader would."""
    candidates = itertools.product(*(sorted(real.get(name, {"x"})) for name in route.arguments))
    for arguments in candidates:
        if client.get(route.path(arguments)).status_code < 400:
            return arguments
    return arguments


def request_for(route, real):
    body = st.one_of(
        st.none(),
        st.tuples(
            st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data"]),
            hostile.query_string(PARAMETERS, real).map(lambda q: q.encode("latin-1")),
        ),
        st.tuples(hostile.hostile, st.binary(max_size=64)),
    )
    return st.fixed_dictionaries(
        {
            "method": st.sampled_from(METHODS),
            "path": hostile.path_for(route, real),
            "query": hostile.query_string(READS.get(route.name, PARAMETERS), real),
            "environ": hostile.headers,
            "body": body,
        }
    )


def key_requests(route, arguments, real):
    """Each of hostile.KEY_VALUES in each path argument and each parameter the route reads,
    the others real."""
    reads = sorted(READS.get(route.name, ()))
    for value in map(hostile.wsgi, hostile.KEY_VALUES):
        for n in range(len(arguments)):
            path = route.path([*arguments[:n], value, *arguments[n + 1 :]])
            yield {"method": "GET", "path": path, "query": "", "environ": {}, "body": None}
        for name in reads:
            query = [(other, sorted(real[other])[0]) for other in reads if other != name]
            yield {
                "method": "GET",
                "path": route.path(arguments),
                "query": hostile.encode([*query, (name, value)]),
                "environ": {},
                "body": None,
            }


@pytest.mark.parametrize("route", ROUTES, ids=repr)
def test_no_route_fails_or_stores_on_hostile_input(client, site, route):
    @settings(max_examples=EXAMPLES.get(route.name, DEFAULT_EXAMPLES))
    @given(request=request_for(route, site["real"]))
    def run(request):
        if request["method"] not in ("POST", "PUT"):
            request["body"] = None
        hostile.send(client, route, **request)

    arguments = working_arguments(client, route, site["real"])
    for request in key_requests(route, arguments, site["real"]):
        run = example(request=request)(run)
    run()


def test_every_route_is_covered():
    names = {route.name for route in ROUTES}
    assert {"articles:detail", "articles:search", "comments:post", "media/<path>"} <= names
    assert set(READS) <= names
    assert not any(name.startswith("admin:") for name in names)


COMMENT_FIELDS = [*CommentForm.base_fields, "csrfmiddlewaretoken"]


@settings(max_examples=80)
@given(data=st.data())
def test_the_comment_form_refuses_hostile_posts_and_stores_nothing(client, site, data):
    article = site["article"]
    route = hostile.Route("articles/<slug>/comments/", "comment form", None)
    fields = comment_data(article)
    for name in data.draw(st.lists(st.sampled_from(COMMENT_FIELDS), max_size=3)):
        fields[name] = data.draw(hostile.value_for({fields.get(name, "")} - {""}))
    encoded = hostile.encode(fields.items())
    content_type = data.draw(
        st.one_of(
            st.just("application/x-www-form-urlencoded"),
            st.just("application/x-www-form-urlencoded; charset=latin-1"),
            hostile.hostile,
        )
    )
    hostile.send(
        client,
        route,
        method="POST",
        path=f"/articles/{article.slug}/comments/",
        environ=data.draw(hostile.headers),
        body=(content_type, encoded.encode("latin-1")),
        stores=(302,),
    )


SEARCH_FIELDS = {"q", "section", "since", "until", "page"}


@settings(max_examples=60)
@given(data=st.data())
def test_the_search_form_answers_every_query(client, site, data):
    route = hostile.Route("search/", "search form", None)
    query = data.draw(hostile.query_string(SEARCH_FIELDS, site["real"]))
    response = hostile.send(client, route, path="/search/", query=query)
    assert response.status_code in (200, 400, 404)
