"""Previews: the staff preview from the admin, and signed links that work without logging in."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from editorial import preview
from tests.editorial.conftest import change_url
from tests.factories import ArticleFactory, DraftArticleFactory, ScheduledArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "sees_preview_link", "preview_status"),
    [("editor", True, 200), ("moderator", False, 404), ("anonymous", False, 404)],
)
def test_who_may_preview_a_draft(as_user, who, sees_preview_link, preview_status):
    draft = DraftArticleFactory(title="Unreleased budget story")
    client = as_user(who)

    admin_page = client.get(change_url(draft))
    reader_page = client.get(draft.get_absolute_url())

    assert ("Preview as readers will see it" in admin_page.content.decode()) is sees_preview_link
    assert ("Shareable preview link" in admin_page.content.decode()) is sees_preview_link
    assert reader_page.status_code == preview_status
    if preview_status == 200:
        assert "Preview — not published." in reader_page.content.decode()
        assert reader_page["X-Robots-Tag"] == "noindex, nofollow"


def test_a_shared_link_shows_the_draft_to_anyone_and_is_never_indexed_or_cached(client):
    draft = DraftArticleFactory(title="Embargoed report", body="<p>Secret figures.</p>")

    response = client.get(preview.preview_url(draft))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Embargoed report" in page and "Secret figures." in page
    assert "Shared with you before publication" in page
    assert "Edit in the admin" not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_shared_link_shows_edits_made_after_it_was_sent(client):
    draft = DraftArticleFactory(title="First headline")
    url = preview.preview_url(draft)
    draft.title = "Second headline"
    draft.save()

    assert "Second headline" in client.get(url).content.decode()


def test_a_shared_link_to_an_article_now_public_goes_to_the_public_page(client):
    article = ScheduledArticleFactory()
    url = preview.preview_url(article)

    with time_machine.travel(article.published_at + timedelta(minutes=1)):
        response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()


def test_a_shared_link_expires(client, settings):
    settings.EDITORIAL = {**settings.EDITORIAL, "PREVIEW_LINK_MAX_AGE": 3600}
    draft = DraftArticleFactory()
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False):
        url = preview.preview_url(draft)
    with time_machine.travel("2026-03-01 09:59 +0000", tick=False):
        still_valid = client.get(url)
    with time_machine.travel("2026-03-01 10:01 +0000", tick=False):
        expired = client.get(url)

    assert still_valid.status_code == 200
    assert expired.status_code == 410
    assert "This preview link has expired" in expired.content.decode()
    assert expired["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in expired["Cache-Control"]


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, other: token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
        lambda token, other: other,  # a valid signature from another salt
        lambda token, other: "nonsense",
        lambda token, other: token.split(":", 1)[1],
    ],
    ids=["altered-signature", "other-signer", "garbage", "no-payload"],
)
def test_a_tampered_link_is_refused(client, forge):
    draft = DraftArticleFactory()
    token = preview.preview_url(draft).rstrip("/").rsplit("/", 1)[1]
    other = signing.TimestampSigner(salt="something-else").sign_object({"id": draft.pk})

    response = client.get(reverse("editorial:shared_preview", args=[forge(token, other)]))

    assert response.status_code == 400
    assert "This preview link is not valid" in response.content.decode()
    assert draft.title not in response.content.decode()


def test_a_link_naming_another_article_cannot_be_made_without_the_key(client):
    draft, secret = DraftArticleFactory(), DraftArticleFactory(title="Other secret")
    payload, signature = preview.preview_url(draft).rstrip("/").rsplit("/", 1)[1].split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["id"] = secret.pk
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    response = client.get(reverse("editorial:shared_preview", args=[f"{forged}:{signature}"]))

    assert response.status_code == 400
    assert "Other secret" not in response.content.decode()


def test_a_link_dies_with_its_article(client):
    draft = DraftArticleFactory()
    url = preview.preview_url(draft)
    draft.delete()

    response = client.get(url)

    assert response.status_code == 404
    assert "This preview is no longer available" in response.content.decode()


def test_a_link_dies_when_the_article_is_taken_down(client):
    from articles import services
    from articles.models import Article

    draft = DraftArticleFactory(title="Withdrawn story")
    url = preview.preview_url(draft)
    services.publish(Article.objects.filter(pk=draft.pk))
    services.unpublish(Article.objects.filter(pk=draft.pk))

    response = client.get(url)

    assert response.status_code == 404
    assert "Withdrawn story" not in response.content.decode()


def test_public_articles_get_no_share_link_in_the_admin(client, editor):
    article = ArticleFactory()
    client.force_login(editor)
    assert "Shareable preview link" not in client.get(change_url(article)).content.decode()
