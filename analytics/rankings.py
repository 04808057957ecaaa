"""What readers chose, per window: the /popular/ page and the "Popular posts" box.

24 hours sums the hourly rows of the current hour and the 23 before it. 7 and 30 days sum the
daily rows of that many days, ending today. All time is `Article.view_count`. Trending weighs
each day's views by 0.5 ** (age in days / half-life).

The box on every public page ranks by ANALYTICS["POPULAR_WINDOW"] (7 days unless configured),
which /popular/ opens on too, after the articles editors pinned. It is filled into each page
as it is served (lifescope/page_cache.py), from its own cache entry: a new ranking retires no
page.
"""

import datetime
import time
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, FloatField, Sum, Value, When
from django.db.models.functions import Cast
from django.template import engines
from django.utils import timezone

from analytics.models import ArticleDailyViews, ArticleHourlyViews, hour_start
from articles.models import Article
from lifescope import page_cache

WINDOWS = {
    "24h": "24 hours",
    "7d": "7 days",
    "30d": "30 days",
    "all": "All time",
    "trending": "Trending",
}
# How the box names each window: "The most read …".
WINDOW_PHRASES = {
    "24h": "in the last 24 hours",
    "7d": "in the last 7 days",
    "30d": "in the last 30 days",
    "all": "of all time",
    "trending": "right now",
}
# CSS pixels of the box's thumbnail slot (static/css/site.css .popular-posts__item img).
BOX_THUMBNAIL_WIDTH = 72
TRENDING_DAYS = 14
# Cached rankings hold a few spare entries, for articles unpublished since they were ranked.
SPARE = 10


class Entry(NamedTuple):
    article: Article
    score: float


def candidates(now=None):
    """What may be ranked anywhere: published articles that editors have not excluded."""
    return Article.objects.rankable(now)


def day_weights(window, now=None):
    """The weight of each day's views in `window`, keyed by date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days_ago = [today - datetime.timedelta(days=n) for n in range(TRENDING_DAYS)]
    if window == "7d":
        return dict.fromkeys(days_ago[:7], 1.0)
    if window == "30d":
        return {today - datetime.timedelta(days=n): 1.0 for n in range(30)}
    if window == "trending":
        half_life = settings.ANALYTICS["TRENDING_HALF_LIFE_DAYS"]
        return {day: 0.5 ** (n / half_life) for n, day in enumerate(days_ago)}
    raise ValueError(f"Unknown window {window!r}")


def compute(window, limit, now=None):
    """[(article id, score)] for `window`, best first, ties to the older id.

    24 hours aggregates one range of the (hour, article) index, day windows one of the
    (day, article) index; all time reads the (status, -view_count) index of articles.
    """
    if window == "all":
        ranked = candidates(now).filter(view_count__gt=0).most_viewed()
        return [(pk, float(views)) for pk, views in ranked.values_list("pk", "view_count")[:limit]]
    if window == "24h":
        first_hour = hour_start(int((now or timezone.now()).timestamp()) // 3600 - 23)
        rows = ArticleHourlyViews.objects.filter(hour__gte=first_hour)
        return _top(rows, Sum("views", output_field=FloatField()), now, limit)
    weights = day_weights(window, now)
    if set(weights.values()) == {1.0}:
        score = Sum("views", output_field=FloatField())
    else:
        views = Cast("views", FloatField())
        score = Sum(
            Case(
                *(When(day=day, then=views * Value(weight)) for day, weight in weights.items()),
                default=Value(0.0),
                output_field=FloatField(),
            )
        )
    rows = ArticleDailyViews.objects.filter(day__gte=min(weights), day__lte=max(weights))
    return _top(rows, score, now, limit)


def _top(rows, score, now, limit):
    ranked = (
        rows.filter(article__in=candidates(now))
        .values("article_id")
        .annotate(score=score)
        .filter(score__gt=0)
        .order_by("-score", "article_id")
        .values_list("article_id", "score")
    )
    return list(ranked[:limit])


def ranking(window):
    """The cached ranking; when it is stale, one request recomputes while others use it."""
    entry = cache.get(_key(window))
    if entry is not None:
        computed_at, ranked = entry
        fresh_for = settings.ANALYTICS["RANKING_CACHE_SECONDS"]
        if time.time() - computed_at < fresh_for:
            return ranked
        if not cache.add(f"{_key(window)}:lock", 1, timeout=fresh_for):
            return ranked
    return refresh(window)


def refresh(window):
    """Recomputes and caches one ranking (`ranking`, when the cached one is stale)."""
    ranked = compute(window, settings.ANALYTICS["POPULAR_PAGE_SIZE"] + SPARE)
    # Kept well past freshness, so a page serves a stale ranking rather than wait for a new one.
    keep_for = settings.ANALYTICS["RANKING_CACHE_SECONDS"] * 60
    cache.set(_key(window), (time.time(), ranked), timeout=keep_for)
    return ranked


def popular(window, limit=None):
    """The ranked articles of `window` for a page, loaded in one query (none when empty)."""
    limit = limit or settings.ANALYTICS["POPULAR_PAGE_SIZE"]
    ranked = ranking(window)
    ids = [pk for pk, _ in ranked]
    ranked_now = Article.objects.filter(pk__in=ids).passing(candidates())
    articles = ranked_now.for_cards().in_bulk(ids)
    return [Entry(articles[pk], score) for pk, score in ranked if pk in articles][:limit]


def _key(window):
    return f"analytics:ranking:{window}"


def default_window():
    return settings.ANALYTICS["POPULAR_WINDOW"]


def popular_box(request, arg=""):
    """The "Popular posts" box, for `lifescope.page_cache`: the same HTML for every reader,
    rendered once per RANKING_CACHE_SECONDS, or sooner after an article changed. A cached page
    reads it with the page, in one cache round trip (`cache_keys`)."""
    window = default_window()
    return page_cache.prefetched(request, _box_key(window)) or cache.get_or_set(
        _box_key(window), lambda: _render_box(window), settings.ANALYTICS["RANKING_CACHE_SECONDS"]
    )


popular_box.cache_keys = lambda arg: [_box_key(default_window())]


def drop_box(sender, **kwargs):
    """articles_changed receiver: an unpublished or retitled story leaves the box at once."""
    cache.delete(_box_key(default_window()))


def _box_key(window):
    return f"analytics:popular-box:{window}"


def _render_box(window):
    size = settings.ANALYTICS["POPULAR_BOX_SIZE"]
    pinned = list(
        candidates().filter(popular_pinned=True).most_viewed().select_related("section")[:size]
    )
    ranked = [entry.article for entry in popular(window, limit=size + len(pinned))]
    posts = (pinned + [article for article in ranked if article not in pinned])[:size]
    template = engines["jinja2"].get_template("analytics/includes/popular_box.html")
    return template.render(
        {
            "posts": [
                {
                    "title": article.title,
                    "url": article.get_absolute_url(),
                    "image": article.hero_thumbnail(BOX_THUMBNAIL_WIDTH),
                }
                for article in posts
            ],
            "phrase": WINDOW_PHRASES[window],
            "label": WINDOWS[window],
        }
    )
