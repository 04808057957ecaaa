"""Adds counts to the database with atomic SQL increments: nothing is read, changed and written
back in Python, so concurrent writers can never lose each other's views."""

import datetime
import time
from collections import defaultdict
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When

from analytics.models import ArticleDailyViews, ArticleHourlyViews
from articles.models import Article


class Count(NamedTuple):
    article_id: int
    day: object  # datetime.date
    views: int = 0
    bot_hits: int = 0
    hour: int | None = None  # hours since the epoch (UTC), for the 24-hour ranking


def current_hour():
    return int(time.time()) // 3600


def hour_start(hour):
    """The aware datetime an hour number names."""
    return datetime.datetime.fromtimestamp(hour * 3600, datetime.UTC)


def add_counts(counts):
    """Adds `counts` to the daily rows and the articles' totals in one transaction.

    Counts for articles that no longer exist are dropped. Returns the (views, bot hits) written.
    """
    counts = [count for count in counts if count.views or count.bot_hits]
    if not counts:
        return 0, 0
    with transaction.atomic():
        # Locks the articles in one fixed order (PostgreSQL; SQLite has one writer anyway),
        # so two writers never wait on each other's rows in a cycle.
        existing = set(
            Article.objects.select_for_update()
            .filter(pk__in={c.article_id for c in counts})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        counts = [count for count in counts if count.article_id in existing]
        totals = defaultdict(int)
        for count in counts:
            totals[count.article_id] += count.views
        viewed = {article_id: views for article_id, views in totals.items() if views}
        if viewed:
            # One statement for every article: a flush's cost hardly grows with its articles.
            added = Case(
                *(When(pk=article_id, then=Value(views)) for article_id, views in viewed.items()),
                output_field=BigIntegerField(),
            )
            Article.objects.filter(pk__in=viewed).update(view_count=F("view_count") + added)
        _upsert_daily(_merged(counts, lambda count: (count.article_id, count.day)))
        _upsert_hourly(counts)
    return sum(c.views for c in counts), sum(c.bot_hits for c in counts)


def add_one(article_id, day, bot=False, hour=None):
    """Records one view or bot hit at once (no buffer). False when the article is gone."""
    with transaction.atomic():
        if not bot:
            # Also locks the article's row, so one article's writers queue here.
            if not Article.objects.filter(pk=article_id).update(view_count=F("view_count") + 1):
                return False
        elif not Article.objects.filter(pk=article_id).exists():
            return False
        _upsert_daily([(article_id, day, int(not bot), int(bot))])
        _upsert_hourly([Count(article_id, day, int(not bot), int(bot), hour)])
    return True


def _merged(counts, key):
    """Counts summed per `key`, sorted: one statement per row, rows always in one order."""
    totals = defaultdict(lambda: [0, 0])
    for count in counts:
        totals[key(count)][0] += count.views
        totals[key(count)][1] += count.bot_hits
    return [(*group, views, bot_hits) for group, (views, bot_hits) in sorted(totals.items())]


def _upsert_daily(rows):
    """Adds (article id, day, views, bot hits) rows to the daily counts."""
    # Django's bulk_create(update_conflicts=True) can only overwrite a value, not add to it;
    # ON CONFLICT ... DO UPDATE with an addition is one atomic statement in SQLite and PostgreSQL.
    table = connection.ops.quote_name(ArticleDailyViews._meta.db_table)
    sql = (
        f"INSERT INTO {table} (article_id, day, views, bot_hits) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (article_id, day) DO UPDATE SET "
        f"views = {table}.views + excluded.views, bot_hits = {table}.bot_hits + excluded.bot_hits"
    )
    params = [
        (article_id, connection.ops.adapt_datefield_value(day), views, bot_hits)
        for article_id, day, views, bot_hits in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _upsert_hourly(counts):
    """Adds the views of `counts` that carry an hour to the hourly counts."""
    rows = _merged(
        (count for count in counts if count.hour is not None and count.views),
        lambda count: (count.article_id, count.hour),
    )
    if not rows:
        return
    table = connection.ops.quote_name(ArticleHourlyViews._meta.db_table)
    sql = (
        f"INSERT INTO {table} (article_id, hour, views) VALUES (%s, %s, %s) "
        f"ON CONFLICT (article_id, hour) DO UPDATE SET views = {table}.views + excluded.views"
    )
    params = [
        (article_id, connection.ops.adapt_datetimefield_value(hour_start(hour)), views)
        for article_id, hour, views, _ in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
