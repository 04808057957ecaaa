import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import StaffFactory


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def change_form(article, **overrides):
    """The admin change form as an editor who opened `article` now would post it."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id,
        "tags": ", ".join(sorted(article.tags.names())) if article.pk else "",
        "author": article.author_id,
        "byline": article.byline,
        "status": article.status,
        "published_at_0": article.published_at.strftime("%Y-%m-%d") if article.published_at else "",
        "published_at_1": article.published_at.strftime("%H:%M:%S") if article.published_at else "",
        "hero_alt": article.hero_alt,
        "hero_caption": article.hero_caption,
        "hero_credit": article.hero_credit,
        "seo_description": article.seo_description,
        "correction": article.correction,
        "comments_open": "on" if article.comments_open else "",
        "loaded_version": article.version,
    }
    data = {key: value for key, value in data.items() if value != ""}
    return {**data, **overrides}


def save_in_admin(client, article, **changes):
    """Posts `article`'s change form, as loaded now, with `changes`."""
    article.refresh_from_db()
    response = client.post(change_url(article), change_form(article, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def restore_url(revision):
    return reverse("admin:articles_article_restore", args=[revision.article_id, revision.pk])


def jpeg_upload(name="photo.jpg", size=(2000, 1000), exif=None, colour=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90, exif=exif or b"")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def anonymous(client):
    return client


@pytest.fixture
def as_user(client, editor, moderator):
    """A client logged in as "editor", "moderator" or "staff" (no role), or anonymous."""

    def log_in(who):
        users = {"editor": editor, "moderator": moderator}
        if who == "staff":
            users["staff"] = StaffFactory(username="plain-staff")
        if who != "anonymous":
            client.force_login(users[who])
        return client

    return log_in
