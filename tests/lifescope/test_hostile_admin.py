"""No request staff can send to the admin gets a 5xx or stores anything (issue #16).

Signed in as an editor and as a moderator, Hypothesis sends hostile list filters, searches
(?q=), orderings (?o=) and pages to every model's change list, hostile terms to the autocomplete
view, and hostile ids and parameters to every view a model admin adds of its own (the
revisions, their diffs and restores …). The parameters and their real values are read from each
change list's own links, so a new filter is tried the day it is added. Each of
hostile.KEY_VALUES goes into each parameter once as an explicit example, from the first staff
member the page lets in.
"""

import re
from html import unescape
from urllib.parse import parse_qsl

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from editorial import revisions
from editorial.models import Revision
from tests import hostile
from tests.factories import ApprovedCommentFactory, ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF = ["editor", "moderator"]
MODELS = [model for model in apps.get_models() if admin.site.is_registered(model)]
STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")
# Routes a model admin adds of its own: revisions, diffs, restores and whatever comes next.
OWN_VIEWS = [
    route
    for route in hostile.routes(include_admin=True)
    if route.name.startswith("admin:")
    and any(
        route.name.startswith(f"admin:{m._meta.app_label}_{m._meta.model_name}_") for m in MODELS
    )
    and not route.name.endswith(STANDARD_VIEWS)
]
# Parameters every change list reads, beyond those its own links show.
CHANGE_LIST_PARAMETERS = {"q", "o", "p", "e", "all", "_popup", "_to_field"}
# Examples Hypothesis draws per route and staff member, beyond the explicit ones.
EXAMPLES = 12


@pytest.fixture
def newsroom(settings, editor, moderator):
    """Stories with revisions, comments, and the real ids the admin's addresses take."""
    settings.TIME_ZONE = hostile.TIME_ZONE
    article = ArticleFactory(author=editor, tags=["Budget"])
    ArticleFactory(author=editor, section=article.section)
    ApprovedCommentFactory(article=article)
    CommentFactory(article=article)
    # A reader's account: the queue links to its history (?user__id__exact=).
    CommentFactory(article=article, user=UserFactory())
    revisions.ensure_baseline(article.pk)
    article.title = "A new title"
    article.save()
    revisions.record(article, editor)
    first, second = Revision.objects.filter(article=article).order_by("pk")
    return {
        "users": {"editor": editor, "moderator": moderator},
        "real": {
            "article_id": {str(article.pk)},
            "revision_id": {str(first.pk), str(second.pk)},
            "object_id": {str(article.pk)},
            "against": {str(first.pk)},
        },
    }


def links(response):
    """The query parameters of the page's own links (filters, orderings, dates, pages)."""
    real = {}
    for query in re.findall(r'href="\?([^"#]*)"', response.content.decode()):
        for name, value in parse_qsl(unescape(query), keep_blank_values=True):
            real.setdefault(name, set()).add(value)
    return real


def first_admitted(client, users, path):
    """The staff member the page lets in first, with the page's links, or (None, {})."""
    for who in STAFF:
        client.force_login(users[who])
        response = client.get(path)
        if response.status_code == 200:
            return who, links(response)
    return None, {}


def key_requests(path, names):
    for value in map(hostile.wsgi, hostile.KEY_VALUES):
        for name in sorted(names):
            yield {"path": path, "query": hostile.encode([(name, value)]), "environ": {}}


def staff_requests(path_strategy, names, real):
    return st.fixed_dictionaries(
        {
            "path": path_strategy,
            "query": hostile.query_string(names, real),
            "environ": hostile.headers,
        }
    )


def run_as_staff(client, newsroom, route, requests, explicit, admitted):
    """Sends `requests` as each staff member, and the `explicit` ones as the `admitted` one."""
    for who in STAFF:
        client.force_login(newsroom["users"][who])

        @settings(max_examples=EXAMPLES)
        @given(request=requests)
        def run(request):
            hostile.send(client, route, method=request.pop("method", "GET"), **request)

        if who == admitted:
            for request in explicit:
                run = example(request=request)(run)
        run()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_no_change_list_fails_or_stores_on_hostile_parameters(client, newsroom, model):
    path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    admitted, real = first_admitted(client, newsroom["users"], path)
    names = CHANGE_LIST_PARAMETERS | set(real)
    route = hostile.Route(path.strip("/"), f"admin {model._meta.label} change list", None)

    requests = staff_requests(st.just(path), names, real)
    run_as_staff(client, newsroom, route, requests, key_requests(path, names), admitted)


AUTOCOMPLETE = {"app_label", "model_name", "field_name", "term", "page"}


def autocomplete_values():
    """Every (app, model, field) the autocomplete view serves: a relation to a model whose
    admin can search."""
    real = {name: set() for name in AUTOCOMPLETE}
    for model in MODELS:
        for field in model._meta.get_fields():
            target = field.related_model
            if not (field.is_relation and field.concrete and target):
                continue
            if (
                admin.site.is_registered(target)
                and admin.site.get_model_admin(target).search_fields
            ):
                real["app_label"].add(model._meta.app_label)
                real["model_name"].add(model._meta.model_name)
                real["field_name"].add(field.name)
    real["term"], real["page"] = {"bud", "a"}, {"1", "2"}
    return real


def test_the_autocomplete_answers_every_term(client, newsroom):
    path = reverse("admin:autocomplete")
    real = autocomplete_values()
    assert {"section", "tags", "author"} <= real["field_name"]
    route = hostile.Route(path.strip("/"), "admin:autocomplete", None)
    # A real source each time, with one of the parameters hostile.
    base = [("app_label", "articles"), ("model_name", "article"), ("field_name", "section")]
    explicit = [
        {
            "path": path,
            "query": hostile.encode([*(p for p in base if p[0] != name), (name, value)]),
            "environ": {},
        }
        for value in map(hostile.wsgi, hostile.KEY_VALUES)
        for name in sorted(AUTOCOMPLETE)
    ]

    requests = staff_requests(st.just(path), AUTOCOMPLETE, real)
    run_as_staff(client, newsroom, route, requests, explicit, "editor")


def test_the_model_admins_own_views_are_covered():
    names = {route.name for route in OWN_VIEWS}
    assert {"admin:articles_article_revisions", "admin:articles_article_revision"} <= names


@pytest.mark.parametrize("route", OWN_VIEWS, ids=repr)
def test_no_view_of_a_model_admin_fails_or_stores_on_hostile_input(client, newsroom, route):
    real = newsroom["real"]
    arguments = [sorted(real.get(name, {"1"}))[0] for name in route.arguments]
    path = route.path(arguments)
    explicit = list(key_requests(path, {"against", "o", "q"}))
    for value in map(hostile.wsgi, hostile.KEY_VALUES):
        for n in range(len(arguments)):
            hostile_path = route.path([*arguments[:n], value, *arguments[n + 1 :]])
            explicit.append({"path": hostile_path, "query": "", "environ": {}})

    requests = staff_requests(hostile.path_for(route, real), {"against", "o", "q"}, real)
    run_as_staff(client, newsroom, route, requests, explicit, "editor")
