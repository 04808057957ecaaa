"""The admin's readership chart: an SVG drawn on the server, no script and no outside files."""

import datetime
from typing import NamedTuple

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from analytics.models import ArticleDailyViews

DAYS = 30
WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, BOTTOM, TOP = 44, 16, 22, 10
GRIDLINES = 5


class Bar(NamedTuple):
    day: datetime.date
    views: int
    bot_hits: int
    x: float
    width: float
    views_y: float
    views_height: float
    bots_y: float
    bots_height: float
    labelled: bool  # today, and every week back

    @property
    def label_x(self):
        return self.x + self.width


def readership(article, today=None):
    """Context for the chart: per-day bars of the last 30 days and the totals beside it."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=DAYS - 1)
    rows = {
        day: (views, bots)
        for day, views, bots in ArticleDailyViews.objects.filter(
            article=article, day__gte=first, day__lte=today
        ).values_list("day", "views", "bot_hits")
    }
    days = [first + datetime.timedelta(days=n) for n in range(DAYS)]
    counts = [rows.get(day, (0, 0)) for day in days]
    top = _nice_ceiling(max((views + bots for views, bots in counts), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / DAYS
    bars = []
    for n, (day, (views, bots)) in enumerate(zip(days, counts, strict=True)):
        views_height = plot_height * views / top
        bots_height = plot_height * bots / top
        base = HEIGHT - BOTTOM
        bars.append(
            Bar(
                day, views, bots,
                x=LEFT + n * step + 1, width=step - 2,
                views_y=base - views_height, views_height=views_height,
                bots_y=base - views_height - bots_height, bots_height=bots_height,
                labelled=(DAYS - 1 - n) % 7 == 0,
            )
        )  # fmt: skip
    gridlines = [
        {"value": top * n // GRIDLINES, "y": HEIGHT - BOTTOM - plot_height * n / GRIDLINES}
        for n in range(GRIDLINES + 1)
    ]
    all_time_bots = ArticleDailyViews.objects.filter(article=article).aggregate(
        total=Sum("bot_hits")
    )["total"]
    return {
        "bars": bars,
        "gridlines": gridlines,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "views_30": sum(views for views, _ in counts),
        "bots_30": sum(bots for _, bots in counts),
        "views_total": article.view_count,
        "bots_total": all_time_bots or 0,
        "first": first,
        "last": today,
    }


def render_readership(article, today=None):
    return render_to_string("analytics/admin/readership.html", readership(article, today))


def _nice_ceiling(value):
    """The least of 1, 2 or 5 times a power of ten that is at least `value` and GRIDLINES."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= max(value, GRIDLINES):
                return factor * magnitude
        magnitude *= 10
