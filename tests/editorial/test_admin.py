"""The Article admin is declared once, in editorial.admin, from the parts each app contributes."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

import analytics.admin
import articles.admin
import editorial.admin
from articles.models import Article
from tests.factories import ArticleFactory


def test_the_registered_article_admin_is_the_one_composed_in_editorial():
    registered = admin.site.get_model_admin(Article)

    assert type(registered) is editorial.admin.ArticleAdmin
    assert editorial.admin.ArticleAdmin.__bases__ == (
        editorial.admin.EditorMixin,
        editorial.admin.RevisionsMixin,
        analytics.admin.ReadershipMixin,
        articles.admin.ArticleAdmin,
    )


def test_the_contributed_parts_are_mixins_not_admins_of_their_own():
    for mixin in (
        editorial.admin.EditorMixin,
        editorial.admin.RevisionsMixin,
        analytics.admin.ReadershipMixin,
    ):
        assert not issubclass(mixin, admin.ModelAdmin), mixin


@pytest.mark.django_db
def test_the_composed_admin_has_every_part(editor):
    article = ArticleFactory()
    request = RequestFactory().get("/admin/")
    request.user = editor
    model_admin = admin.site.get_model_admin(Article)

    fieldsets = dict(model_admin.get_fieldsets(request, article))
    assert "readership" in model_admin.get_readonly_fields(request, article)
    assert fieldsets["Readers"]["fields"] == ["readership"]
    assert fieldsets["Correction"]["fields"] == ["correction"]
    assert "loaded_version" in fieldsets[None]["fields"]
    assert {"publish_selected", "unpublish_selected"} <= set(model_admin.get_actions(request))
    url_names = {pattern.name for pattern in model_admin.get_urls()}
    assert {
        "articles_article_revisions",
        "articles_article_revision",
        "articles_article_restore",
        "articles_article_change",
    } <= url_names


@pytest.mark.django_db
def test_the_change_form_shows_the_chart_the_editor_and_the_revisions_link(client, editor):
    article = ArticleFactory()
    client.force_login(editor)

    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    content = page.content.decode()
    assert "Views, last 30 days" in content
    assert "data-django-prose-editor-lifescope" in content
    assert reverse("admin:articles_article_revisions", args=[article.pk]) in content
    assert 'name="loaded_version"' in content
