"""Sitemaps for search engines: articles, sections, tags, authors and a Google News sitemap.

Every sitemap lists only what a reader can open, and its `lastmod` is the latest update of a
published article there, computed in the listing query itself. Like the listings, each is kept
until the next story comes out, no longer (`index`, `sitemap`).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Section
from articles.views import expires_with_next_story


def _latest_update(**filters):
    """The last update among published articles matching `filters`, for a correlated subquery."""
    published = Article.objects.published().filter(**filters).order_by()
    return Subquery(
        published.values(*filters).annotate(latest=Max("updated_at")).values("latest")[:1]
    )


class PublishedSitemap(Sitemap):
    """Answers the index's "latest change" with one aggregate, not by loading every item."""

    def published(self):
        return Article.objects.published()

    def get_latest_lastmod(self):
        return self.published().aggregate(latest=Max("updated_at"))["latest"]


class ArticleSitemap(PublishedSitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, article):
        return article.updated_at


class SectionSitemap(PublishedSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.annotate(lastmod=_latest_update(section=OuterRef("pk")))

    def lastmod(self, section):
        return section.lastmod


class TagSitemap(PublishedSitemap):
    changefreq = "daily"

    def published(self):
        return Article.objects.published().filter(tags__isnull=False)

    def items(self):
        return (
            Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))
            .annotate(lastmod=_latest_update(tags=OuterRef("pk")))
            .order_by("name")
        )

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return tag.lastmod


class AuthorSitemap(PublishedSitemap):
    changefreq = "daily"

    def items(self):
        # The same rule as the author page: active, with published work.
        return (
            Author.objects.filter(user__is_active=True)
            .annotate(lastmod=_latest_update(author=OuterRef("user")))
            .filter(lastmod__isnull=False)
            .only("slug")
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.lastmod


class NewsSitemap(PublishedSitemap):
    """Google News: articles published in the last two days, with title and date."""

    limit = 1000  # Google News reads at most this many URLs per sitemap

    def published(self):
        since = timezone.now() - timedelta(hours=settings.DISCOVERY["NEWS_SITEMAP_HOURS"])
        return Article.objects.published().filter(published_at__gte=since)

    def items(self):
        return self.published().only("slug", "title", "published_at", "updated_at").latest_first()

    def lastmod(self, article):
        return article.updated_at


SITEMAPS = {
    "articles": ArticleSitemap,
    "news": NewsSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def index(request, **kwargs):
    """Django's sitemap index, kept by the page cache until the next story comes out."""
    expires_with_next_story(request, "front")
    return sitemap_views.index(request, **kwargs)


def sitemap(request, **kwargs):
    """Django's sitemap, kept by the page cache until the next story comes out."""
    expires_with_next_story(request, "front")
    return sitemap_views.sitemap(request, **kwargs)
