"""Signed, expiring links that show a draft to someone without an account."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

_signer = signing.TimestampSigner(salt="editorial.preview-link")


class InvalidPreviewLink(Exception):
    """The link was altered, has expired, or its article is gone."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def preview_url(article):
    """A link to `article` as readers will see it, valid for PREVIEW_LINK_MAX_AGE seconds.

    It names the article's id and creation time, so it dies with the article: a later article
    can never inherit it. Edits do not invalidate it; the colleague sees the current draft.
    """
    token = _signer.sign_object({"id": article.pk, "created": article.created_at.timestamp()})
    return reverse("editorial:shared_preview", kwargs={"token": token})


def article_for(token, max_age=None):
    """The article `token` names, or InvalidPreviewLink with reason expired/tampered/gone."""
    max_age = settings.EDITORIAL["PREVIEW_LINK_MAX_AGE"] if max_age is None else max_age
    try:
        payload = _signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidPreviewLink("expired") from None
    except signing.BadSignature:
        raise InvalidPreviewLink("tampered") from None
    article = Article.objects.for_listing().filter(pk=payload.get("id")).first()
    if article is None or article.created_at.timestamp() != payload.get("created"):
        raise InvalidPreviewLink("gone")
    if _taken_down(article):
        raise InvalidPreviewLink("gone")
    return article


def _taken_down(article):
    """Back in draft after its publication time: withdrawn, so old links must not show it."""
    return (
        article.status == Article.Status.DRAFT
        and article.published_at is not None
        and article.published_at <= timezone.now()
    )


def expires_in_hours():
    return settings.EDITORIAL["PREVIEW_LINK_MAX_AGE"] // 3600
