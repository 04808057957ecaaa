"""Stories to read next: those sharing the most tags, then the same section, newest first."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Value
from taggit.models import TaggedItem

from articles.models import Article

# CSS pixels of a related story's thumbnail slot (static/css/site.css .related__item img).
RELATED_THUMBNAIL_WIDTH = 96

# Candidates come from this many of the newest articles of each tag and of the section, so a
# cache miss reads a bounded slice of each index however large the archive grows.
RECENT_PER_SOURCE = 100


def related_stories(article):
    """Up to RELATED_COUNT published stories for the end of `article`, as cacheable dicts.

    A miss costs two queries and a hit none. The key carries `updated_at`, so retagging an
    article refreshes its list at once; a story published or unpublished elsewhere shows in it
    within RELATED_CACHE_SECONDS, like any list of other stories on an article page.
    """
    key = f"articles:related:{article.pk}:{article.updated_at.timestamp()}"
    return cache.get_or_set(
        key, lambda: _find_related(article), settings.DISCOVERY["RELATED_CACHE_SECONDS"]
    )


def _find_related(article):
    """Ranks the recent neighbours of `article`: newest in its section and under each tag.

    A tag's newest articles are taken by id (taggeditem_tag_recent_idx, migration 0008), which
    follows the order stories were written in; ranking among them is by shared tags, then
    publication time.
    """
    tag_ids = [tag.pk for tag in article.tags.all()]
    published = Article.objects.published()
    content_type = ContentType.objects.get_for_model(Article)
    sources = [
        published.filter(section_id=article.section_id)
        .order_by("-published_at", "-id")
        .values("pk")[:RECENT_PER_SOURCE],
        *(
            TaggedItem.objects.filter(tag_id=tag_id, content_type=content_type)
            .order_by("-object_id")
            .values("object_id")[:RECENT_PER_SOURCE]
            for tag_id in tag_ids
        ),
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL reads "id IN (a) OR id IN (b)" by scanning every article; a UNION of
        # the sources is a few hundred ids to look up.
        nearby = Q(pk__in=sources[0].union(*sources[1:], all=True))
    else:
        nearby = Q()
        for source in sources:
            nearby |= Q(pk__in=source)
    candidates = Article.objects.filter(nearby).exclude(pk=article.pk).passing(published)
    if tag_ids:
        shares_tag = Q(tags__in=tag_ids)
        candidates = candidates.annotate(
            shared_tags=Count("tags", filter=shares_tag, distinct=True)
        )
    else:
        candidates = candidates.annotate(shared_tags=Value(0))
    candidates = (
        candidates.select_related("section")
        .only(
            "title",
            "slug",
            "published_at",
            "section__name",
            "section__slug",
            "hero_image",
            "hero_renditions",
            "hero_width",
            "hero_height",
        )
        .order_by("-shared_tags", "-published_at", "-id")
    )
    return [
        {
            "title": story.title,
            "url": story.get_absolute_url(),
            "section": story.section.name,
            "published_at": story.published_at,
            "image": story.hero_thumbnail(RELATED_THUMBNAIL_WIDTH),
        }
        for story in candidates[: settings.DISCOVERY["RELATED_COUNT"]]
    ]
