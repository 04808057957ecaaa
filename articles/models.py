import math
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from articles.authors import Author  # noqa: F401 - a model of this app, in a module of its own
from lifescope import addresses, renditions
from lifescope.sanitize import clean_html

WORDS_READ_PER_MINUTE = 230
# Kept by atomic UPDATEs (view counting, comment moderation), never by saving a loaded article.
COUNTER_FIELDS = ("view_count", "comment_count")
# Edits sooner than this after publication are part of publishing, not an update.
UPDATE_NOTICE_AFTER = timedelta(minutes=10)


def article_page(article_id):
    """The page-cache name (lifescope/page_cache.py) of an article's own page: what retires it
    and every fragment it is made of (the article, its tags, its comment thread)."""
    return f"article:{article_id}"


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in menus.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return addresses.url("articles:section", slug=self.slug)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """The only gate for what readers may see: published, and its time has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def rankable(self, now=None):
        """What any popularity ranking may list: published, and not excluded by an editor."""
        return self.published(now).filter(popular_excluded=False)

    def passing(self, gate):
        """The rows of this queryset that `gate` (`published()`, `rankable()` …) also lets
        through, checked one by one by primary key: for a few candidates known by id.

        Filtering them by the gate directly lets SQLite, which has no statistics, take the
        (status, published_at) index for the most selective and read all of it.
        """
        return self.filter(models.Exists(gate.filter(pk=models.OuterRef("pk"))))

    def tag_rows(self, tag):
        """`tag`'s rows in taggit's item table whose article is in this queryset, each
        checked by id: driven from the tag's rows (`taggeditem_tag_recent_idx`, migration
        0008), so counting them costs the tag's size rather than the archive's."""
        return TaggedItem.objects.filter(
            models.Exists(self.filter(pk=models.OuterRef("object_id"))),
            tag=tag,
            content_type__app_label="articles",
            content_type__model="article",
        )

    def for_listing(self):
        """Loads an article with its section, author and tags (feeds, search), in two queries."""
        return self.for_cards().prefetch_related("tags")

    def for_cards(self):
        """Loads what a story card shows, in one query: cards show no tags, so none are fetched."""
        return self.select_related("section", "author__author_profile")

    def latest_first(self):
        return self.order_by("-published_at", "-id")

    def most_viewed(self):
        return self.order_by("-view_count", "-published_at", "-id")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220, unique=True, help_text="The article's permanent address; keep it stable."
    )
    standfirst = models.TextField(
        max_length=400, blank=True, help_text="The one- or two-sentence summary under the headline."
    )
    body = models.TextField(help_text="HTML; anything outside the allowed markup is removed.")
    hero_image = models.ImageField(
        upload_to="articles/%Y/%m/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
    )
    # Made from hero_image after each save that changes it (lifescope/renditions.py); pages read
    # sizes and names from here, not storage, and show the original until it is filled.
    hero_renditions = models.JSONField(default=dict, blank=True, editable=False)
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        "hero image alt text",
        max_length=250,
        blank=True,
        help_text="What the image shows, for readers who cannot see it.",
    )
    hero_caption = models.CharField(max_length=300, blank=True)
    hero_credit = models.CharField(max_length=150, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles"
    )
    byline = models.CharField(
        max_length=150, blank=True, help_text="Shown instead of the author's name when set."
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    tags = TaggableManager(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A future time schedules the article: readers see it from then on.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    featured = models.BooleanField(default=False, help_text="Candidate for the front-page lead.")
    seo_description = models.CharField(
        "SEO description",
        max_length=160,
        blank=True,
        help_text="For search results and share cards; the standfirst is used when empty.",
    )
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    view_count = models.PositiveBigIntegerField(default=0, editable=False)
    # Kept by the comments app, so listings show counts without joining comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close this article to new comments."
    )
    popular_pinned = models.BooleanField(
        "pin in Popular posts",
        default=False,
        help_text="Always list this article in the Popular posts box while it is published.",
    )
    correction = models.TextField(
        blank=True,
        help_text="Shown at the end of the article when set: what was wrong and what changed.",
    )
    # Bumped by every save from the admin, so an editor saving a stale form is stopped.
    version = models.PositiveIntegerField(default=1, editable=False)
    popular_excluded = models.BooleanField(
        "exclude from Popular posts",
        default=False,
        help_text="Never list this article in any popularity ranking.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("preview_article", "Can preview unpublished articles"),
            ("publish_article", "Can publish and unpublish articles"),
        ]
        indexes = [
            # Each listing's index ends with its whole order (newest first, then id), so the
            # listing reads its first page off the index with no sort at all, and SQLite
            # plans it so with or without statistics (migration 0009).
            models.Index(fields=["status", "-published_at", "-id"], name="article_published_idx"),
            models.Index(
                fields=["section", "status", "-published_at", "-id"], name="article_section_idx"
            ),
            models.Index(
                fields=["author", "status", "-published_at", "-id"], name="article_author_idx"
            ),
            models.Index(
                fields=["featured", "status", "-published_at", "-id"], name="article_featured_idx"
            ),
            models.Index(fields=["status", "-view_count"], name="article_popular_idx"),
            # The popular box, read from the top (articles.sidebars): every article by views,
            # and the few that editors pinned.
            models.Index(fields=["-view_count", "-published_at", "-id"], name="article_views_idx"),
            models.Index(
                fields=["-view_count", "-published_at", "-id"],
                condition=models.Q(popular_pinned=True),
                name="article_pinned_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:220]
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.body = clean_html(self.body)
        words = len(strip_tags(self.body).split())
        self.reading_minutes = max(1, math.ceil(words / WORDS_READ_PER_MINUTE))
        update_fields = kwargs.get("update_fields")
        if update_fields is None and not self._state.adding:
            # A form saves the row it loaded seconds ago: writing its counters back would undo
            # the views and approvals counted meanwhile by atomic UPDATEs.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in COUNTER_FIELDS
            ]
        if update_fields is None or "hero_image" in update_fields:
            size = renditions.store_upload(self.hero_image)
            if size:
                self.hero_width, self.hero_height = size
            renditions.renew_after_commit(
                self, "hero_image", "hero_renditions", page=lambda: article_page(self.pk)
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return addresses.url("articles:detail", slug=self.slug)

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and (
            self.published_at is not None and self.published_at > timezone.now()
        )

    def hero_thumbnail(self, display_width):
        """{"url", "width", "height"} of the smallest rendition sharp at `display_width` CSS px."""
        return renditions.smallest_rendition(
            self.hero_image,
            self.hero_renditions,
            display_width,
            size=(self.hero_width, self.hero_height),
        )

    @property
    def hero_picture(self):
        """The hero's renditions as `srcset`s, or None when it has none (the original is used)."""
        items = self.hero_renditions.get("items") if self.hero_image else None
        if not items:
            return None
        url = self.hero_image.storage.url
        webp = [item for item in items if item["format"] == "webp"]
        fallback = [item for item in items if item["format"] != "webp"]
        return {
            "webp_srcset": ", ".join(f"{url(i['name'])} {i['width']}w" for i in webp),
            "fallback_srcset": ", ".join(f"{url(i['name'])} {i['width']}w" for i in fallback),
            "fallback_type": f"image/{fallback[-1]['format']}",
            "src": url(fallback[-1]["name"]),
            "width": fallback[-1]["width"],
            "height": fallback[-1]["height"],
        }

    @property
    def author_profile(self):
        """The writer's public profile; None only for rows written around save() (bulk loads)."""
        return getattr(self.author, "author_profile", None)

    @property
    def author_name(self):
        """The byline readers see: never the writer's login name."""
        profile = self.author_profile
        return self.byline or (profile.name if profile else settings.LIFESCOPE["SITE_NAME"])

    @property
    def modified_at(self):
        """When readers last saw the story change; a scheduled story is written before it goes
        out, and was not modified before it was published."""
        if self.published_at and self.published_at > self.updated_at:
            return self.published_at
        return self.updated_at

    @property
    def summary(self):
        return self.seo_description or self.standfirst

    @property
    def was_updated(self):
        """True when the article changed noticeably after it went out."""
        if not self.published_at:
            return False
        went_out = max(self.published_at, self.created_at)
        return self.updated_at - went_out > UPDATE_NOTICE_AFTER


@receiver(post_delete, sender=Article)
def _discard_hero_files(sender, instance, **kwargs):
    """A deleted article's hero image and renditions go once the deletion is committed."""
    if instance.hero_image:
        renditions.discard_after_commit(
            instance, "hero_image", instance.hero_renditions, original=True
        )
