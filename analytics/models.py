import datetime

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


def hour_start(hour):
    """The aware datetime an hour number (hours since the epoch, UTC) names."""
    return datetime.datetime.fromtimestamp(hour * 3600, datetime.UTC)


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


class ViewSighting(models.Model):
    """When a visitor's last counted read of an article was: the dedupe of views
    (analytics/flush.py). Visitor keys rotate daily (analytics/visitors.py), and rows go a day
    after their read, so no row outlives the key it names by long."""

    visitor = models.CharField(max_length=64)
    article_id = models.BigIntegerField()
    counted_at = models.BigIntegerField(help_text="Epoch seconds of the last counted read.")

    class Meta:
        ordering = ["-counted_at"]
        constraints = [
            # Led by the visitor: a flush looks its visitors up, each with a few articles.
            models.UniqueConstraint(fields=["visitor", "article_id"], name="view_sighting_once"),
        ]
        indexes = [models.Index(fields=["counted_at"], name="view_sighting_age_idx")]

    def __str__(self):
        return f"{self.visitor[:8]}… read {self.article_id} at {self.counted_at}"


class ViewLogOffset(models.Model):
    """How far one view log file (analytics/viewlog.py) has been counted in the database,
    saved in the transaction of its counts: a flush that dies before its commit is read again
    in full, one that dies after never again."""

    name = models.CharField(max_length=100, unique=True, help_text="Folder id, then file name.")
    offset = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} counted to byte {self.offset}"
