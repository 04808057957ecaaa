"""Fragments shown on every public page, cached so rendering a page never ranks articles."""

from django.conf import settings
from django.core.cache import cache

from articles.models import Article, Section

POPULAR_BOX_KEY = "articles:popular-box"
SECTION_NAV_KEY = "articles:section-nav"
ALL_KEYS = (POPULAR_BOX_KEY, SECTION_NAV_KEY)
# CSS pixels of the box's thumbnail slot (static/css/site.css .popular-posts__item img).
POPULAR_THUMBNAIL_WIDTH = 72


def popular_posts():
    """The most-read published articles, as plain dicts that cache cheaply."""
    return cache.get_or_set(
        POPULAR_BOX_KEY, _rank_popular_posts, settings.LIFESCOPE["SIDEBAR_CACHE_SECONDS"]
    )


def section_links():
    return cache.get_or_set(
        SECTION_NAV_KEY, _list_sections, settings.LIFESCOPE["SIDEBAR_CACHE_SECONDS"]
    )


def _rank_popular_posts():
    """Editors' pins first, then the most viewed; excluded articles never."""
    count = settings.LIFESCOPE["POPULAR_POSTS_COUNT"]
    # Walks the view-count indexes from the top and checks each article against the gate,
    # so a refresh reads about `count` rows however many articles there are.
    eligible = (
        Article.objects.most_viewed()
        .passing(Article.objects.rankable())
        .only(
            "title",
            "slug",
            "hero_image",
            "hero_renditions",
            "hero_alt",
            "hero_width",
            "hero_height",
        )
    )
    ranked = list(eligible.filter(popular_pinned=True)[:count])
    if len(ranked) < count:
        ranked += eligible.filter(popular_pinned=False)[: count - len(ranked)]
    return [
        {
            "title": article.title,
            "url": article.get_absolute_url(),
            "image": article.hero_thumbnail(POPULAR_THUMBNAIL_WIDTH),
            "image_alt": article.hero_alt,
        }
        for article in ranked
    ]


def _list_sections():
    return [
        {"name": section.name, "url": section.get_absolute_url()}
        for section in Section.objects.only("name", "slug")
    ]
