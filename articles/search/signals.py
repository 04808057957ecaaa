"""Keeping the index in step with articles and tags.

Signals rather than a service call: the index must follow every save path (admin, demo loader,
shell, factories), and it is derived data like the slug, not a side effect.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from taggit.models import Tag, TaggedItem

from articles.models import Article
from articles.search.backends import index_articles, unindex_articles

INDEXED_FIELDS = {"title", "standfirst", "body"}


def connect_signals():
    post_save.connect(_article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="search-article-deleted")
    m2m_changed.connect(_tags_changed, sender=TaggedItem, dispatch_uid="search-tags-changed")
    post_save.connect(_tag_renamed, sender=Tag, dispatch_uid="search-tag-renamed")
    pre_delete.connect(_tag_deleting, sender=Tag, dispatch_uid="search-tag-deleting")
    post_delete.connect(_tag_deleted, sender=Tag, dispatch_uid="search-tag-deleted")


def _article_saved(sender, instance, raw=False, update_fields=None, using="default", **kwargs):
    if raw or (update_fields is not None and not INDEXED_FIELDS & set(update_fields)):
        return
    index_articles([instance.pk], using)


def _article_deleted(sender, instance, using="default", **kwargs):
    unindex_articles([instance.pk], using)


def _tags_changed(sender, instance, action, using="default", **kwargs):
    if isinstance(instance, Article) and action in ("post_add", "post_remove", "post_clear"):
        index_articles([instance.pk], using)


def _tag_renamed(sender, instance, created=False, raw=False, using="default", **kwargs):
    if not created and not raw:
        tagged = Article.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
        index_articles(list(tagged), using)


def _tag_deleting(sender, instance, using="default", **kwargs):
    # Deleting a tag removes its links by cascade, which sends no m2m_changed: note who had it.
    tagged = Article.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
    instance._search_reindex = list(tagged)


def _tag_deleted(sender, instance, using="default", **kwargs):
    index_articles(getattr(instance, "_search_reindex", []), using)
