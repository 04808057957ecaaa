"""Keeping the view rows small: old days rolled up into months, old hours dropped."""

import datetime

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from analytics.models import ArticleDailyViews, ArticleHourlyViews

# Daily rows younger than this are what the 30-day window and trending read.
MIN_DAILY_DAYS = 31
# The 24-hour ranking reads the last 24 hours; two days leave room for any time zone.
HOURLY_KEEP_HOURS = 48


def prune_views(keep_days, today=None):
    """Keeps the last `keep_days` days (today included) in detail, rolling older days into
    one row per article and month; hourly rows go after HOURLY_KEEP_HOURS.

    Totals (per article, all time, views and bot hits) are unchanged; only the detail of old
    days goes. Running it again changes nothing. Returns the number of rows removed.
    """
    if keep_days < MIN_DAILY_DAYS:
        raise ValueError(f"Keep at least {MIN_DAILY_DAYS} days: the rankings read them.")
    cutoff = (today or timezone.localdate()) - datetime.timedelta(days=keep_days - 1)
    old = ArticleDailyViews.objects.filter(day__lt=cutoff)
    first = old.aggregate(first=Min("day"))["first"]
    removed = 0
    month = first.replace(day=1) if first else cutoff
    while month < cutoff:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        removed += _roll_up(month, old.filter(day__gte=month, day__lt=following))
        month = following
    ArticleHourlyViews.objects.filter(
        hour__lt=timezone.now() - datetime.timedelta(hours=HOURLY_KEEP_HOURS)
    ).delete()
    return removed


def _roll_up(month, rows):
    with transaction.atomic():
        sums = list(
            rows.values("article_id")
            .annotate(views_sum=Sum("views"), bots_sum=Sum("bot_hits"))
            .values_list("article_id", "views_sum", "bots_sum")
            .order_by("article_id")
        )
        removed, _ = rows.delete()
        ArticleDailyViews.objects.bulk_create(
            ArticleDailyViews(article_id=article_id, day=month, views=views, bot_hits=bots)
            for article_id, views, bots in sums
        )
    return removed - len(sums)
