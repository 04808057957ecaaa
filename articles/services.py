"""Things that happen to articles beyond saving a row, shared by the admin and any view."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles import sidebars
from articles.models import Article
from lifescope import page_cache


def purge_public_caches():
    """Drops cached fragments and retires every cached page, so readers see a change at once.

    After the commit, so no request can cache the old content under the new generation.
    """
    transaction.on_commit(_purge)


def _purge():
    cache.delete_many(sidebars.ALL_KEYS)
    page_cache.bump()


def tag_changed(sender, **kwargs):
    """A renamed or deleted tag changes every page that lists it."""
    purge_public_caches()


def publish(articles, now=None):
    """Publishes `articles`; those without a time go out now, scheduled ones keep theirs."""
    now = now or timezone.now()
    with transaction.atomic():
        # Each change bumps the version, so an editor's form opened before it cannot undo it.
        newer = F("version") + 1
        count = articles.filter(published_at__isnull=True).update(
            status=Article.Status.PUBLISHED, published_at=now, updated_at=now, version=newer
        )
        count += articles.exclude(status=Article.Status.PUBLISHED).update(
            status=Article.Status.PUBLISHED, updated_at=now, version=newer
        )
        purge_public_caches()
    return count


def unpublish(articles):
    """Returns `articles` to draft, keeping their publication time for a later re-publish."""
    with transaction.atomic():
        count = articles.filter(status=Article.Status.PUBLISHED).update(
            status=Article.Status.DRAFT, updated_at=timezone.now(), version=F("version") + 1
        )
        purge_public_caches()
    return count
