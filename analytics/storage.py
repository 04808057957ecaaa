"""Adds counts to the database with atomic SQL increments: nothing is read, changed and written
back in Python, so concurrent writers can never lose each other's views."""

import datetime
import time
from collections import defaultdict
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from analytics.models import ArticleDailyViews, ArticleHourlyViews, FallbackSighting
from articles.models import Article


class Count(NamedTuple):
    article_id: int
    day: object  # datetime.date
    views: int = 0
    bot_hits: int = 0
    hour: int | None = None  # hours since the epoch (UTC), for the 24-hour ranking


class Sighting(NamedTuple):
    """A reader's view, to count only if it is the first of its visitor, article and window."""

    article_id: int
    visitor: str
    window: int  # the dedupe window's number: seconds since the epoch // DEDUPE_SECONDS
    day: object  # datetime.date
    hour: int | None = None


# Rows per INSERT: five parameters each stays far below SQLite's and PostgreSQL's limits.
SIGHTINGS_PER_STATEMENT = 500


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


def first_sightings(sightings):
    """Stores `sightings` and returns their views: one per visitor, article and window the
    database had not seen yet, whichever process the reads went through.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk: the unique constraint decides
    which reads are first, atomically, so two flushes (or a flush and a Redis-outage read)
    racing over one visitor cannot both count it. Call it in the transaction that adds the
    counts, so a flush that dies before its commit leaves no sighting behind.
    """
    first = {}
    for sighting in sightings:  # a visitor's first line in the batch is the one kept
        first.setdefault((sighting.article_id, sighting.visitor, sighting.window), sighting)
    rows = list(first.values())
    quote = connection.ops.quote_name
    table = quote(FallbackSighting._meta.db_table)
    columns = ", ".join(quote(name) for name in ("article_id", "visitor", "window", "seen_at"))
    key = ", ".join(quote(name) for name in ("article_id", "visitor", "window"))
    seen_at = connection.ops.adapt_datetimefield_value(timezone.now())
    inserted = []
    for start in range(0, len(rows), SIGHTINGS_PER_STATEMENT):
        chunk = rows[start : start + SIGHTINGS_PER_STATEMENT]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params = [
            value for row in chunk for value in (row.article_id, row.visitor, row.window, seen_at)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "
                f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}",
                params,
            )
            inserted += [first[tuple(returned)] for returned in cursor.fetchall()]
    return [
        Count(sighting.article_id, sighting.day, views=1, hour=sighting.hour)
        for sighting in inserted
    ]
