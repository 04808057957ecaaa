"""Stories to read next: those sharing the most tags, then the same section, newest first."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Value

from articles.models import Article
from lifescope import page_cache


def related_stories(article):
    """Up to RELATED_COUNT published stories for the end of `article`, as cacheable dicts.

    Uses the article's prefetched tags, so a miss costs one query and a hit none. The key
    carries `updated_at`, so retagging an article refreshes its list at once, and the page-cache
    generation, so a story unpublished elsewhere leaves every list at once.
    """
    generation = page_cache.current_generation()
    key = f"articles:related:{article.pk}:{article.updated_at.timestamp()}:{generation}"
    return cache.get_or_set(
        key, lambda: _find_related(article), settings.DISCOVERY["RELATED_CACHE_SECONDS"]
    )


def _find_related(article):
    tag_ids = [tag.pk for tag in article.tags.all()]
    candidates = Article.objects.published().exclude(pk=article.pk)
    if tag_ids:
        shares_tag = Q(tags__in=tag_ids)
        candidates = candidates.filter(shares_tag | Q(section_id=article.section_id)).annotate(
            shared_tags=Count("tags", filter=shares_tag, distinct=True)
        )
    else:
        candidates = candidates.filter(section_id=article.section_id).annotate(shared_tags=Value(0))
    candidates = (
        candidates.select_related("section")
        .only("title", "slug", "published_at", "section__name", "section__slug", "hero_image")
        .order_by("-shared_tags", "-published_at", "-id")
    )
    return [
        {
            "title": story.title,
            "url": story.get_absolute_url(),
            "section": story.section.name,
            "published_at": story.published_at,
            "image_url": story.hero_image.url if story.hero_image else "",
        }
        for story in candidates[: settings.DISCOVERY["RELATED_COUNT"]]
    ]
