"""RSS 2.0 and Atom feeds of published articles: latest, per section and per tag."""

import mimetypes
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from taggit.models import Tag

from articles.models import Article, Section
from articles.views import expires_with_next_story

IMAGE_SIZE_CACHE_SECONDS = 7 * 24 * 60 * 60
SITE_RELATIVE_LINK = re.compile(r'(\s(?:href|src)=")/(?!/)')


@dataclass
class Scope:
    """What one request's feed is about. Feed instances are shared between threads, so
    per-request values travel here instead of on `self`."""

    request: object
    subject: object = None


class FullContentRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the whole article in <content:encoded>, the summary in <description>."""

    def rss_attributes(self):
        content = "http://purl.org/rss/1.0/modules/content/"
        return {**super().rss_attributes(), "xmlns:content": content}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class FullContentAtomFeed(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestArticlesFeed(Feed):
    feed_type = FullContentRssFeed
    title = "Lifescope News"
    description = "The latest stories from Lifescope News."

    def get_object(self, request, **kwargs):
        # Like the listings: kept until the next story it would list comes out, no longer.
        expires_with_next_story(request, "front")
        return Scope(request)

    def link(self, scope):
        return reverse("articles:front_page")

    def feed_url(self, scope):
        return reverse("articles:feed_latest")

    def articles(self, scope):
        return Article.objects.published()

    def items(self, scope):
        articles = self.articles(scope).for_listing().latest_first()
        items = list(articles[: settings.DISCOVERY["FEED_ITEMS"]])
        sizes = _image_sizes(article.hero_image for article in items)
        site = scope.request.build_absolute_uri("/")[:-1]
        for article in items:
            # Feed readers show the body away from the site, so its own links need the host.
            article.feed_content = SITE_RELATIVE_LINK.sub(rf"\g<1>{site}/", article.body)
            article.feed_enclosures = (
                [_enclosure(article.hero_image, sizes, site)] if article.hero_image else []
            )
            profile = article.author_profile
            article.feed_author_link = f"{site}{profile.get_absolute_url()}" if profile else None
        return items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_author_name(self, item):
        return item.author_name

    def item_author_link(self, item):
        return item.feed_author_link

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]

    def item_enclosures(self, item):
        return item.feed_enclosures

    def item_extra_kwargs(self, item):
        return {"content": item.feed_content}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = FullContentAtomFeed
    subtitle = LatestArticlesFeed.description

    def feed_url(self, scope):
        return reverse("articles:feed_atom")


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        section = get_object_or_404(Section, slug=slug)
        expires_with_next_story(request, f"section:{section.pk}", section=section)
        return Scope(request, section)

    def title(self, scope):
        return f"{scope.subject.name} — Lifescope News"

    def description(self, scope):
        section = scope.subject
        return section.description or f"The latest {section.name} stories from Lifescope News."

    def link(self, scope):
        return scope.subject.get_absolute_url()

    def feed_url(self, scope):
        return reverse("articles:section_feed", kwargs={"slug": scope.subject.slug})

    def articles(self, scope):
        return Article.objects.published().filter(section=scope.subject)


class TagFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        expires_with_next_story(request, f"tag:{tag.pk}", tags=tag)
        return Scope(request, tag)

    def title(self, scope):
        return f"Stories tagged “{scope.subject.name}” — Lifescope News"

    def description(self, scope):
        return f"Lifescope News stories about {scope.subject.name}."

    def link(self, scope):
        return reverse("articles:tag", kwargs={"slug": scope.subject.slug})

    def feed_url(self, scope):
        return reverse("articles:tag_feed", kwargs={"slug": scope.subject.slug})

    def articles(self, scope):
        return Article.objects.published().filter(tags=scope.subject)


def _enclosure(image, sizes, site):
    mime_type = mimetypes.guess_type(image.name)[0] or "image/jpeg"
    return Enclosure(f"{site}{image.url}", str(sizes[image.name]), mime_type)


def _image_sizes(images):
    """Byte sizes for RSS enclosures, asking the storage once per file and caching the answer.

    Uploads never overwrite a stored name, so a name's size cannot change. With an object
    store, an uncached feed would otherwise make one request per item.
    """
    names = {image.name: image for image in images if image}
    keys = {f"articles:image-size:{name}": name for name in names}
    known = {keys[key]: size for key, size in cache.get_many(keys).items()}
    missing = {}
    for name in names.keys() - known.keys():
        try:
            missing[name] = names[name].size
        except OSError:
            missing[name] = 0  # RSS best practice for an unknown length
    if missing:
        fresh = {f"articles:image-size:{name}": size for name, size in missing.items()}
        cache.set_many(fresh, IMAGE_SIZE_CACHE_SECONDS)
    return known | missing
