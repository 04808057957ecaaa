"""Things that happen to articles beyond saving a row, shared by the admin and any view.

Which cached pages show an article, by the names of lifescope/page_cache.py: its own page
("article:<id>"), the front page, its section, its tags, its author, and the archive (its year
and its month). A change retires the pages that showed the article before and those that show
it after (a new section, other tags).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from taggit.models import TaggedItem

from articles import navigation
from articles.models import Article, article_page
from articles.signals import articles_changed
from lifescope import page_cache


def pages_showing(article_ids):
    """The page-cache names of every page that shows one of these articles, as they are now."""
    article_ids = list(article_ids)
    names = set()
    rows = Article.objects.filter(pk__in=article_ids).values_list(
        "pk", "section_id", "author_id", "published_at"
    )
    for pk, section_id, author_id, published_at in rows:
        names |= {article_page(pk), "front", f"section:{section_id}", f"author:{author_id}"}
        if published_at:
            local = timezone.localtime(published_at)
            names |= {"archive", f"archive:{local:%Y}", f"archive:{local:%Y-%m}"}
    tag_ids = TaggedItem.objects.filter(
        object_id__in=article_ids,
        content_type__app_label="articles",
        content_type__model="article",
    ).values_list("tag_id", flat=True)
    return names | {f"tag:{tag_id}" for tag_id in tag_ids}


def changing(article_ids):
    """Call in the transaction that changes (or deletes) these articles, before the change:
    once it commits, every page that showed them before or shows them after is retired."""
    article_ids = list(article_ids)
    before = pages_showing(article_ids)

    def changed():
        page_cache.retire(before | pages_showing(article_ids))
        articles_changed.send(sender=Article, article_ids=article_ids)

    transaction.on_commit(changed)


def everything_changed():
    """Retires every cached page and fragment: for what every page shows (the sections) and for
    bulk changes (the demo, generated content, renamed tags)."""

    def changed():
        cache.delete(navigation.SECTION_NAV_KEY)
        page_cache.retire([page_cache.SITE])
        articles_changed.send(sender=Article, article_ids=None)

    transaction.on_commit(changed)


def tag_changed(sender, created=False, **kwargs):
    """A renamed or deleted tag changes every article page that shows it; a new one, made by
    tagging an article, is on no page yet but that article's, which its save retires."""
    if not created:
        everything_changed()


def publish(articles, now=None):
    """Publishes `articles`; those without a time go out now, scheduled ones keep theirs."""
    now = now or timezone.now()
    with transaction.atomic():
        changing(articles.values_list("pk", flat=True))
        # Each change bumps the version, so an editor's form opened before it cannot undo it.
        newer = F("version") + 1
        count = articles.filter(published_at__isnull=True).update(
            status=Article.Status.PUBLISHED, published_at=now, updated_at=now, version=newer
        )
        count += articles.exclude(status=Article.Status.PUBLISHED).update(
            status=Article.Status.PUBLISHED, updated_at=now, version=newer
        )
    return count


def unpublish(articles):
    """Returns `articles` to draft, keeping their publication time for a later re-publish."""
    with transaction.atomic():
        changing(articles.values_list("pk", flat=True))
        count = articles.filter(status=Article.Status.PUBLISHED).update(
            status=Article.Status.DRAFT, updated_at=timezone.now(), version=F("version") + 1
        )
    return count
