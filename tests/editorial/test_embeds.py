"""Editors embed by address; readers get a card that loads nothing; history keeps it as saved."""

import html

import pytest
from django.urls import reverse

from articles.models import Article
from editorial.models import Revision
from lifescope.sanitize import clean_html
from tests.editorial.conftest import change_form, change_url
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
# What the editor's Embed node (editorial/static/editorial/embed.js) gives the form.
FROM_EDITOR = f'<p>Before.</p><figure class="embed"><a href="{VIDEO}">{VIDEO}</a></figure>'


def save(client, article, **changes):
    article.refresh_from_db()
    return client.post(change_url(article), change_form(article, **changes))


def test_an_address_in_its_own_paragraph_is_saved_as_a_card_readers_see(client, editor):
    article = ArticleFactory(author=editor)
    client.force_login(editor)

    save(client, article, body=f"<p>Watch:</p><p>{VIDEO}</p>")
    client.logout()
    response = client.get(article.get_absolute_url())

    page = response.content.decode()
    assert '<figure class="embed" data-provider="youtube">' in page
    assert f'<a class="embed__link" href="{html.escape(VIDEO)}">Watch on YouTube' in page
    assert "<iframe" not in page and "youtube.com" not in response["Content-Security-Policy"]
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_editor_offers_the_embed_node(client, editor):
    client.force_login(editor)

    page = html.unescape(client.get(reverse("admin:articles_article_add")).content.decode())

    assert '"Embed":true' in page


def test_saving_an_unchanged_card_again_records_no_change_to_the_body(client, editor):
    article = ArticleFactory(author=editor)
    client.force_login(editor)
    save(client, article, body=FROM_EDITOR)
    stored = Article.objects.get(pk=article.pk).body

    # The editor loads the stored card and sends back its own form of it.
    save(client, article, body=FROM_EDITOR, title="A new title")

    assert Article.objects.get(pk=article.pk).body == stored == clean_html(stored)
    assert Revision.objects.filter(article=article).first().changed_fields == ["title"]


def test_restoring_a_revision_brings_its_card_back_as_it_was(client, editor):
    article = ArticleFactory(author=editor)
    client.force_login(editor)
    save(client, article, body=FROM_EDITOR)
    with_card = Revision.objects.filter(article=article).first()
    save(client, article, body="<p>The video is gone.</p>")

    version = Article.objects.get(pk=article.pk).version
    client.post(
        reverse("admin:articles_article_restore", args=[article.pk, with_card.pk]),
        {"loaded_version": version},
    )

    assert Article.objects.get(pk=article.pk).body == with_card.snapshot["body"]
    assert 'data-provider="youtube"' in with_card.snapshot["body"]
