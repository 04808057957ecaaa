"""Moves the lines of this host's view logs into the database: once each, deduped, in one
transaction (see analytics/counting.py for the whole path of a view).

A flush reads every log file of the host's folder from the offset it reached last time up to
its last complete line, and commits in ONE transaction: the files' new offsets, the visitors'
sightings that dedupe their views, and the counts (the articles' totals, the daily and the
hourly rows). A flush that dies before its commit leaves the old offsets, so the next one
reads the same lines again; one that dies after leaves the new offsets, so no line is read
twice. Files whose writers are gone are deleted once read to their end, then their offsets.

**One view per visitor per window.** A reader's read counts unless a counted read of the same
visitor and article lies within ANALYTICS["DEDUPE_SECONDS"] of it: the last one the database
knows (`ViewSighting`, one row per visitor and article) or one earlier in the same flush. A
bot's hits are deduped the same way, against its hits of the other kind only: a page the site
served it and that page's beacon are one hit, whichever is flushed first, while each page it
fetches again is a hit of its own, as it always was (`_sighting_keys`). The
rows are read and written under one lock per database (PostgreSQL: an advisory lock for the
transaction; SQLite: its single writer), so flushes of several hosts never both count a
visitor. Sightings are kept for a day, long after any window, for logs flushed late.

**When.** After a response has gone out (Django's request_finished), the process that served
it flushes if ANALYTICS["FLUSH_SECONDS"] have passed since the host's last flush; the lock file
lets one process per host do it. `manage.py flush_views` does the same on demand (from cron
with FLUSH_SECONDS=0).
"""

import datetime
import logging
import time
from collections import Counter
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from analytics import viewlog
from analytics.models import (
    ArticleDailyViews,
    ArticleHourlyViews,
    ViewLogOffset,
    ViewSighting,
    hour_start,
)
from articles.models import Article

logger = logging.getLogger(__name__)

# Late logs (a host down for a while) still dedupe against sightings this young.
SIGHTING_KEEP_SECONDS = 24 * 3600
# A flush removes at most this many old sightings, plus two for each one it writes, so the
# table shrinks faster than it grows and no flush holds the write lock for long.
SIGHTINGS_PRUNED_PER_FLUSH = 1000
# Visitors looked up per statement: far below SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
# Any number, the same in every process: the key of PostgreSQL's advisory lock.
FLUSH_LOCK_KEY = 0x1F5C0DE

_next_check = 0.0


class Flushed(NamedTuple):
    views: int = 0
    bot_hits: int = 0


def flush_if_due(**kwargs):
    """request_finished receiver: one clock check per request, a flush when one is due."""
    global _next_check
    every = settings.ANALYTICS["FLUSH_SECONDS"]
    now = time.monotonic()
    if not every or now < _next_check:
        return
    # Threads racing past the check are harmless: the host's lock lets one of them through.
    _next_check = now + every
    try:
        flush(min_interval=every)
    except Exception:
        # Nothing is lost: the lines stay in the files for the next flush.
        logger.exception("Could not flush the view logs")


def flush(wait=False, min_interval=0.0):
    """Moves the new lines of this host's logs into the database; returns what it counted.

    Does nothing when another process of the host is flushing (unless `wait`) or one did
    within `min_interval` seconds.
    """
    log = viewlog.local_log()
    with log.flush_lock(wait=wait, min_interval=min_interval) as ours:
        if not ours:
            return Flushed()
        prefix = f"{log.folder_id()}:"
        offsets = {
            name.removeprefix(prefix): offset
            for name, offset in ViewLogOffset.objects.filter(name__startswith=prefix).values_list(
                "name", "offset"
            )
        }
        segments = log.read(offsets)
        fresh = [segment for segment in segments if segment.end > segment.start]
        flushed = Flushed()
        if fresh:
            with transaction.atomic():
                for segment in fresh:
                    _advance(prefix + segment.name, segment, segment.name in offsets)
                flushed = ingest([line for segment in fresh for line in segment.lines])
        # A file is deleted before its offset, so an offset without a file is a finished one.
        finished = {segment.name for segment in segments if log.delete_if_finished(segment)}
        finished |= offsets.keys() - {segment.name for segment in segments}
        if finished:
            ViewLogOffset.objects.filter(name__in=[prefix + name for name in finished]).delete()
    return flushed


def ingest(lines):
    """Counts `lines` (viewlog.Line) in the database, in one transaction: readers' views once
    per visitor and window, bot hits once per page and beacon. Returns (views, bot hits)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FLUSH_LOCK_KEY])
        reads = [line for line in lines if line.visitor]
        others = [line for line in lines if not line.visitor]  # written before lines had them
        counted = _first_reads(reads) + others
        _prune_sightings(SIGHTINGS_PRUNED_PER_FLUSH + 2 * len(reads))
        return _add_counts(counted)


def _first_reads(reads):
    """The reads that count (see the module docstring); stores their visitors' sightings."""
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    sighting_keys = {read: _sighting_keys(read) for read in reads}
    keys = {(key, read.article_id) for read in reads for key in sighting_keys[read]}
    counted_at = {key: [] for key in keys}
    visitors = sorted({visitor for visitor, _ in keys})
    for start in range(0, len(visitors), CHUNK):
        known = ViewSighting.objects.filter(visitor__in=visitors[start : start + CHUNK])
        for visitor, article_id, at in known.values_list("visitor", "article_id", "counted_at"):
            if (visitor, article_id) in keys:
                counted_at[visitor, article_id].append(at)
    first, latest = [], {}
    for read in sorted(reads, key=lambda read: read.read_at):
        repeats, kept = sighting_keys[read]
        if all(abs(read.read_at - at) >= window for at in counted_at[repeats, read.article_id]):
            times = counted_at[kept, read.article_id]
            times.append(read.read_at)
            first.append(read)
            latest[kept, read.article_id] = max(times)
    _upsert(
        ViewSighting,
        "(visitor, article_id, counted_at)",
        "(visitor, article_id)",
        "counted_at = excluded.counted_at",
        sorted((visitor, article_id, at) for (visitor, article_id), at in latest.items()),
    )
    return first


def _sighting_keys(read):
    """(the visitor key of the counted reads that `read` would repeat, the key it is kept under
    once counted). A reader's reads all repeat each other. A bot's page hit repeats its beacon
    hits and its beacon hit its page hits, never one of its own kind: so a page the site served
    and its beacon are one hit, and a crawler's every fetch of a page still a hit."""
    if read.kind == viewlog.VIEW:
        return read.visitor, read.visitor
    page, beacon = f"{read.visitor}:page", f"{read.visitor}:beacon"
    return (beacon, page) if read.kind == viewlog.BOT else (page, beacon)


def _prune_sightings(limit):
    old = ViewSighting.objects.filter(counted_at__lt=int(time.time()) - SIGHTING_KEEP_SECONDS)
    # One DELETE … WHERE id IN (SELECT … LIMIT): SQLite and PostgreSQL both take it.
    ViewSighting.objects.filter(pk__in=old.order_by("counted_at").values("pk")[:limit]).delete()


def _add_counts(lines):
    """Adds the lines to the daily and hourly rows and the articles' totals, with atomic SQL
    additions, so no writer ever loses another's counts."""
    if not lines:
        return Flushed()
    # Only published articles count: a line for a deleted or unpublished one (a beacon replayed
    # after a takedown) is dropped. Locked in one order, so this never waits in a cycle with an
    # editor's save.
    existing = set(
        Article.objects.select_for_update()
        .filter(pk__in={line.article_id for line in lines}, status=Article.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    zone = timezone.get_default_timezone()
    views, bot_hits, hourly = Counter(), Counter(), Counter()
    for line in lines:
        if line.article_id not in existing:
            continue
        key = (line.article_id, datetime.datetime.fromtimestamp(line.read_at, zone).date())
        if line.kind in viewlog.BOTS:
            bot_hits[key] += 1
        else:
            views[key] += 1
            hourly[line.article_id, line.read_at // 3600] += 1
    totals = Counter()
    for (article_id, _), n in views.items():
        totals[article_id] += n
    if totals:
        # One statement for every article: a flush's cost hardly grows with its articles.
        added = Case(
            *(When(pk=pk, then=Value(n)) for pk, n in totals.items()),
            output_field=BigIntegerField(),
        )
        Article.objects.filter(pk__in=totals).update(view_count=F("view_count") + added)
    adapt_day, adapt_time = (
        connection.ops.adapt_datefield_value,
        connection.ops.adapt_datetimefield_value,
    )
    _upsert(
        ArticleDailyViews,
        "(article_id, day, views, bot_hits)",
        "(article_id, day)",
        "views = {t}.views + excluded.views, bot_hits = {t}.bot_hits + excluded.bot_hits",
        [
            (article_id, adapt_day(day), views[article_id, day], bot_hits[article_id, day])
            for article_id, day in sorted(views.keys() | bot_hits.keys())
        ],
    )
    _upsert(
        ArticleHourlyViews,
        "(article_id, hour, views)",
        "(article_id, hour)",
        "views = {t}.views + excluded.views",
        [
            (article_id, adapt_time(hour_start(hour)), n)
            for (article_id, hour), n in sorted(hourly.items())
        ],
    )
    return Flushed(views.total(), bot_hits.total())


def _upsert(model, columns, key, addition, rows):
    """INSERT … ON CONFLICT … DO UPDATE, one statement executed for all rows, in SQLite and
    PostgreSQL (Django's bulk_create(update_conflicts=True) can only overwrite a value, and cuts
    its statements to 999 parameters on SQLite)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join(["%s"] * len(rows[0]))
    sql = (
        f"INSERT INTO {table} {columns} VALUES ({values}) "
        f"ON CONFLICT {key} DO UPDATE SET {addition.format(t=table)}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _advance(name, segment, known):
    """Moves a file's offset on from where this flush began reading it, or fails the
    transaction if another flush moved it meanwhile."""
    if not known:
        ViewLogOffset.objects.create(name=name, offset=segment.end)
    elif not ViewLogOffset.objects.filter(name=name, offset=segment.start).update(
        offset=segment.end
    ):
        raise IntegrityError(f"Another flush moved the offset of {name}")
