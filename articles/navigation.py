"""The section links every public page shows, kept in the cache so a page never lists sections.

A section's change retires every page (articles.services.everything_changed), which also drops
this entry.
"""

from django.conf import settings
from django.core.cache import cache

from articles.models import Section

SECTION_NAV_KEY = "articles:section-nav"


def section_links():
    return cache.get_or_set(
        SECTION_NAV_KEY, _list_sections, settings.LIFESCOPE["SIDEBAR_CACHE_SECONDS"]
    )


def _list_sections():
    return [
        {"name": section.name, "url": section.get_absolute_url()}
        for section in Section.objects.only("name", "slug")
    ]
