"""Daily and hourly view rows for the demo stories, so each ranking window has a different
leader."""

import datetime

from django.utils import timezone

from analytics.models import ArticleDailyViews, ArticleHourlyViews, hour_start

# Each day after publication an article draws this share of the day before's readers, so old
# stories lead "all time" while recent ones lead the shorter windows.
DAILY_DECAY = 0.6


def add_demo_views(sender, articles, **kwargs):
    """Spreads each published demo article's `view_count` over the days since it went out."""
    now = timezone.now()
    today = timezone.localdate(now)
    rows = []
    for article in articles:
        if not article.view_count or not article.published_at or article.published_at > now:
            continue
        first = timezone.localdate(article.published_at)
        for day, views in spread(article.view_count, (today - first).days + 1):
            bots = views * (8 + (article.pk + day) % 17) // 100
            rows.append(
                ArticleDailyViews(
                    article=article,
                    day=first + datetime.timedelta(days=day),
                    views=views,
                    bot_hits=bots,
                )
            )
    ArticleDailyViews.objects.bulk_create(rows)
    ArticleHourlyViews.objects.bulk_create(hourly(rows, now))


def hourly(daily_rows, now):
    """Today's and yesterday's views spread evenly over the hours of each that have begun."""
    today = timezone.localdate(now)
    rows = []
    for row in daily_rows:
        if row.day < today - datetime.timedelta(days=1):
            continue
        midnight = timezone.make_aware(datetime.datetime.combine(row.day, datetime.time()))
        hours = [
            int(midnight.timestamp()) // 3600 + n
            for n in range(24)
            if midnight + datetime.timedelta(hours=n) <= now
        ]
        for n, hour in enumerate(hours):
            views = row.views // len(hours) + (n < row.views % len(hours))
            if views:
                rows.append(
                    ArticleHourlyViews(article=row.article, hour=hour_start(hour), views=views)
                )
    return rows


def spread(total, days):
    """[(day index, views)] summing exactly to `total`, decaying from day 0."""
    weights = [DAILY_DECAY**day for day in range(days)]
    shares = [int(total * weight / sum(weights)) for weight in weights]
    shares[0] += total - sum(shares)
    return [(day, views) for day, views in enumerate(shares) if views]
