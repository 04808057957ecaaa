"""Daily view rows for the demo stories, so each ranking window has a different leader."""

import datetime

from django.utils import timezone

from analytics.models import ArticleDailyViews

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


def spread(total, days):
    """[(day index, views)] summing exactly to `total`, decaying from day 0."""
    weights = [DAILY_DECAY**day for day in range(days)]
    shares = [int(total * weight / sum(weights)) for weight in weights]
    shares[0] += total - sum(shares)
    return [(day, views) for day, views in enumerate(shares) if views]
