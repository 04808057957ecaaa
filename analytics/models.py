from django.db import models
from django.urls import reverse

from articles.models import Article


class ArticleDailyViews(models.Model):
    """Readers and bot hits of one article on one day (in TIME_ZONE), so windows are exact.

    `Article.view_count` is the all-time total of `views`, kept in step by the same
    transactions that write these rows, so old rows can be rolled up without losing it.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    bot_hits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "article"]
        verbose_name_plural = "article daily views"
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="daily_views_article_day"),
        ]
        indexes = [
            # Rankings aggregate a range of days over every article.
            models.Index(fields=["day", "article"], name="daily_views_window_idx"),
        ]

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.views} views, {self.bot_hits} bot hits"

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.article_id])


class ArticleHourlyViews(models.Model):
    """Readers of one article in one clock hour (its start, UTC), kept for the last 48 hours
    only, so the 24-hour ranking counts exactly the last 24 hours, not whole days."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="hourly_views")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-hour", "article"]
        verbose_name_plural = "article hourly views"
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="hourly_views_article_hour"),
        ]
        indexes = [
            # The 24-hour ranking aggregates a range of hours over every article.
            models.Index(fields=["hour", "article"], name="hourly_views_window_idx"),
        ]

    def __str__(self):
        return f"{self.article_id} at {self.hour:%Y-%m-%d %H}:00: {self.views} views"

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.article_id])


class FlushedBatch(models.Model):
    """A batch of buffered views already written, so a retried flush never adds it twice."""

    key = models.CharField(max_length=64, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-flushed_at"]
        verbose_name_plural = "flushed batches"

    def __str__(self):
        return self.key


class FallbackSighting(models.Model):
    """A visitor's read of an article, kept only while Redis (the usual dedupe) is unreachable.

    `window` numbers the dedupe window the read fell in; the unique constraint makes "first read
    in this window" one atomic insert, as `cache.add` is in Redis.
    """

    article_id = models.BigIntegerField()
    visitor = models.CharField(max_length=64)
    window = models.BigIntegerField()
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article_id", "visitor", "window"], name="fallback_sighting_once"
            ),
        ]
        indexes = [models.Index(fields=["seen_at"], name="fallback_sighting_age_idx")]

    def __str__(self):
        return f"{self.visitor[:8]}… read {self.article_id} in window {self.window}"


class BufferCheckpoint(models.Model):
    """How far one file of the embedded view buffer has been written to the database.

    Saved in the transaction that writes the counts read from the file, so a flush that dies
    before its commit is read again in full and one that dies after is never read again.
    """

    name = models.CharField(max_length=100, unique=True)
    offset = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} flushed to byte {self.offset}"
