"""Adds counts to the database with atomic SQL increments: nothing is read, changed and written
back in Python, so concurrent writers can never lose each other's views."""

from collections import defaultdict
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F

from analytics.models import ArticleDailyViews
from articles.models import Article


class Count(NamedTuple):
    article_id: int
    day: object  # datetime.date
    views: int = 0
    bot_hits: int = 0


def add_counts(counts):
    """Adds `counts` to the daily rows and the articles' totals in one transaction.

    Counts for articles that no longer exist are dropped. Returns the (views, bot hits) written.
    """
    counts = [count for count in counts if count.views or count.bot_hits]
    if not counts:
        return 0, 0
    with transaction.atomic():
        existing = set(
            Article.objects.filter(pk__in={c.article_id for c in counts}).values_list(
                "pk", flat=True
            )
        )
        counts = [count for count in counts if count.article_id in existing]
        totals = defaultdict(int)
        for count in counts:
            totals[count.article_id] += count.views
        # A fixed order, so two writers never wait on each other's rows in a cycle.
        for article_id in sorted(totals):
            if totals[article_id]:
                Article.objects.filter(pk=article_id).update(
                    view_count=F("view_count") + totals[article_id]
                )
        _upsert_daily(sorted(counts))
    return sum(c.views for c in counts), sum(c.bot_hits for c in counts)


def add_one(article_id, day, bot=False):
    """Records one view or bot hit at once (no buffer). False when the article is gone."""
    with transaction.atomic():
        if not bot:
            # Also locks the article's row, so one article's writers queue here.
            if not Article.objects.filter(pk=article_id).update(view_count=F("view_count") + 1):
                return False
        elif not Article.objects.filter(pk=article_id).exists():
            return False
        _upsert_daily([Count(article_id, day, int(not bot), int(bot))])
    return True


def _upsert_daily(counts):
    # Django's bulk_create(update_conflicts=True) can only overwrite a value, not add to it;
    # ON CONFLICT ... DO UPDATE with an addition is one atomic statement in SQLite and PostgreSQL.
    table = connection.ops.quote_name(ArticleDailyViews._meta.db_table)
    sql = (
        f"INSERT INTO {table} (article_id, day, views, bot_hits) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (article_id, day) DO UPDATE SET "
        f"views = {table}.views + excluded.views, bot_hits = {table}.bot_hits + excluded.bot_hits"
    )
    params = [
        (c.article_id, connection.ops.adapt_datefield_value(c.day), c.views, c.bot_hits)
        for c in counts
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
