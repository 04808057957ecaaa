"""Generated data for scale measurements: a plan of what to make, and a fast way to write it.

`Plan` decides, before anything is written, each article's publication time, views and comments,
so the denormalised totals (`view_count`, `comment_count`) go in with the article and agree with
the rows that follow by construction: no recount, no second pass over the big tables. The rows
themselves are generated lazily, article by article, and written by `RowWriter` in batches of
one transaction each (COPY on PostgreSQL, `executemany` elsewhere), so memory stays bounded by
a batch however many rows are asked for.
"""

import datetime
import math
import random
import time

from django.db import connection, transaction
from django.utils import timezone

PUBLISHED_OVER_DAYS = 3 * 365
DRAFT_EVERY = 50  # one article in fifty is a draft: no views, no comments
FEATURED_EVERY = 200
PENDING_EVERY = 10  # one comment in ten still waits for a moderator
# A story's readers come mostly in its first days: each day after publication draws this share
# of the day before, for at most VIEW_DAYS days.
VIEW_DECAY = 0.8
VIEW_DAYS = 30


class Plan:
    """Per-article figures for `count` articles, oldest first, summing exactly to the totals."""

    def __init__(self, count, comments, views, seed, now=None):
        self.random = random.Random(seed)
        self.now = now or timezone.now()
        span = datetime.timedelta(days=PUBLISHED_OVER_DAYS)
        offsets = sorted((self.random.random() for _ in range(count)), reverse=True)
        self.published_at = [self.now - span * offset for offset in offsets]
        self.is_draft = [n % DRAFT_EVERY == DRAFT_EVERY - 1 for n in range(count)]
        self.featured = [n % FEATURED_EVERY == 0 for n in range(count)]
        published = [n for n in range(count) if not self.is_draft[n]]
        if (comments or views) and not published:
            raise ValueError("Comments and views need at least one published article.")
        # Readership is heavy-tailed (a few stories draw thousands); comments less so.
        self.views = self._share(views, published, lambda: self.random.lognormvariate(0, 1.5))
        self.comments = self._share(comments, published, lambda: self.random.expovariate(1))
        self.approved = [total - total // PENDING_EVERY for total in self.comments]

    def _share(self, total, among, weight):
        """Splits `total` over the articles `among` in proportion to random weights, exactly."""
        shares = [0] * len(self.is_draft)
        if not total:
            return shares
        weights = {n: weight() for n in among}
        scale = total / sum(weights.values())
        for n, w in weights.items():
            shares[n] = math.floor(w * scale)
        # The floors lose less than one each: that many articles get one more.
        for n in self.random.sample(among, total - sum(shares)):
            shares[n] += 1
        return shares

    def daily_views(self, n):
        """(day, views) rows for article `n`, from its publication day on, summing to its views."""
        if not self.views[n]:
            return []
        first = timezone.localdate(self.published_at[n])
        days = min(VIEW_DAYS, (timezone.localdate(self.now) - first).days + 1)
        weights = [VIEW_DECAY**d for d in range(days)]
        counts = [math.floor(self.views[n] * w / sum(weights)) for w in weights]
        counts[0] += self.views[n] - sum(counts)
        return [(first + datetime.timedelta(days=d), c) for d, c in enumerate(counts) if c]

    def comment_times(self, n):
        """When each of article `n`'s comments came, within the days comments stay open."""
        start = self.published_at[n]
        open_for = min(self.now - start, datetime.timedelta(days=VIEW_DAYS))
        return sorted(start + open_for * self.random.random() for _ in range(self.comments[n]))


class RowWriter:
    """Writes generated rows of one model straight into its table, a batch per transaction.

    Columns the rows do not give get the field's default. Nothing is dropped or deferred: every
    index and constraint the app relies on is there while the rows go in.
    """

    def __init__(self, model, fields, batch, report):
        self.model, self.batch, self.report = model, batch, report
        given = [model._meta.get_field(name) for name in fields]
        self.defaults = [
            field
            for field in model._meta.concrete_fields
            if not field.primary_key and field not in given
        ]
        self.columns = [field.column for field in given + self.defaults]
        # psycopg sends dates and times as they are; SQLite stores them as Django's text.
        self.adapters = [
            (position, adapter)
            for position, adapter in enumerate(map(self._adapter, given))
            if adapter and connection.vendor != "postgresql"
        ]

    def _adapter(self, field):
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            return connection.ops.adapt_datetimefield_value
        if kind == "DateField":
            return connection.ops.adapt_datefield_value
        return None

    def write(self, rows, expected):
        """Writes every row of the iterable `rows`; `expected` is only for progress output."""
        defaults = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in self.defaults
        )
        started, written, buffer = time.perf_counter(), 0, []
        next_report = max(expected // 10, self.batch)
        for row in rows:
            buffer.append(self._adapt(row) + defaults)
            if len(buffer) >= self.batch:
                written += self._flush(buffer)
                if written >= next_report:
                    next_report += max(expected // 10, self.batch)
                    self.report(written, expected, time.perf_counter() - started)
        written += self._flush(buffer)
        return written

    def _adapt(self, row):
        if not self.adapters:
            return row
        row = list(row)
        for position, adapt in self.adapters:
            if row[position] is not None:
                row[position] = adapt(row[position])
        return tuple(row)

    def _flush(self, buffer):
        if not buffer:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in buffer:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", buffer
                )
        count = len(buffer)
        buffer.clear()
        return count


def reserve_ids(model, count):
    """`count` new primary keys for `model`, taken as its own inserts would take them.

    PostgreSQL draws them from the table's sequence, so the sequence stays ahead of the rows.
    SQLite numbers rows after the largest id; call it inside the transaction that inserts them,
    which holds the write lock (IMMEDIATE transactions) until they are in.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {table}")
        (largest,) = cursor.fetchone()
    first = (largest or 0) + 1
    return list(range(first, first + count))
