"""Moving buffered views to the database and keeping the daily rows small."""

import datetime
import logging
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from redis.exceptions import RedisError

from analytics import storage
from analytics.buffer import SHIP_LINES_PER_CALL, get_buffer
from analytics.filebuffer import get_file_buffer, parse_lines, rest_of
from analytics.models import (
    ArticleDailyViews,
    ArticleHourlyViews,
    BufferCheckpoint,
    FallbackSighting,
    FlushedBatch,
)

logger = logging.getLogger(__name__)

# A flush keeps claiming while traffic refills the buffer, but stops after this many batches.
MAX_BATCHES_PER_FLUSH = 10
# Daily rows younger than this are what the 30-day window and trending read.
MIN_DAILY_DAYS = 31
HOURLY_KEEP_HOURS = 48
# Sightings only matter within their dedupe window and while its views may still be flushed
# (a dead worker's file can come late); a day is far past both.
SIGHTING_KEEP = datetime.timedelta(days=1)
# A flush removes at most this many old sightings, plus two for each one it adds, so the table
# shrinks faster than it grows and no flush holds the write lock for long.
SIGHTINGS_PRUNED_PER_FLUSH = 1000


class Flushed(NamedTuple):
    batches: int = 0
    views: int = 0
    bot_hits: int = 0


def flush_views(view_buffer=None):
    """Writes buffered views to the database exactly once: this host's files, through Redis
    when there is one (then all of Redis's, whichever host sent them)."""
    view_buffer = view_buffer or get_buffer()
    from_files = flush_files(local_buffer(), wait=True, view_buffer=view_buffer)
    if view_buffer is None:
        return from_files
    from_redis = flush_redis(view_buffer)
    return Flushed(*(a + b for a, b in zip(from_files, from_redis, strict=True)))


def local_buffer():
    """This process's file buffer, in ANALYTICS["BUFFER_DIR"]."""
    return get_file_buffer(settings.ANALYTICS["BUFFER_DIR"])


def flush_redis(view_buffer):
    """Each batch and its key commit in one transaction; a batch whose key is already in the
    database was written by an earlier run that died before deleting it from Redis.
    """
    flushed = Flushed()
    for _ in range(MAX_BATCHES_PER_FLUSH):
        claimed = view_buffer.claim()
        if claimed is None:
            break
        views, bot_hits = write_batch(view_buffer, *claimed)
        flushed = Flushed(flushed.batches + 1, flushed.views + views, flushed.bot_hits + bot_hits)
    return flushed


def write_batch(view_buffer, batch, counts):
    """Writes one claimed batch unless it already was, then removes it from the buffer."""
    try:
        with transaction.atomic():
            FlushedBatch.objects.create(key=batch)
            written = storage.add_counts(counts)
    except IntegrityError:
        if not FlushedBatch.objects.filter(key=batch).exists():
            raise
        logger.info("Batch %s was already written; removing it from the buffer", batch)
        written = (0, 0)
    view_buffer.release(batch)
    return written


def flush_files(file_buffer, wait=False, min_interval=0.0, view_buffer=None):
    """Moves the unflushed lines of every buffer file on, and saves their new offsets.

    With a Redis `view_buffer`, each file's lines go there first (analytics/buffer.py `ship`,
    which dedupes readers and skips lines it had already), then the new offsets commit. Lines
    that Redis cannot take, and all lines without Redis, are written to the database with the
    offsets in one transaction: a reader's view counts only if the database has no sighting of
    its visitor, article and window yet, and a flush that dies before its commit leaves every
    line to be read again.
    Then deletes the files read to the end whose writers are gone, and their offsets. Does
    nothing when another flush holds the folder (unless `wait`) or ran within `min_interval`.
    Returns what reached the database.
    """
    with file_buffer.flush_lock(wait=wait, min_interval=min_interval) as ours:
        if not ours:
            return Flushed()
        offsets = _folder_offsets(file_buffer)
        segments = file_buffer.read(offsets)
        fresh = [segment for segment in segments if segment.end > segment.start]
        # What Redis did not take: everything without Redis, else what it could not.
        written = _ship(file_buffer, view_buffer, fresh) if view_buffer else fresh
        views = bot_hits = 0
        sightings = [sighting for segment in written for sighting in segment.sightings]
        if fresh:
            with transaction.atomic():
                for segment in fresh:
                    _advance(file_buffer, segment, offsets)
                views, bot_hits = storage.add_counts(
                    [count for segment in written for count in segment.counts]
                    + storage.first_sightings(sightings)
                )
        finished = {segment.name for segment in segments if file_buffer.delete_if_finished(segment)}
        # A file is deleted before its offset, so an offset without a file is a finished one.
        listed = {segment.name for segment in segments}
        done = finished | (offsets.keys() - listed)
        if done:
            names = [file_buffer.checkpoint_name(name) for name in done]
            BufferCheckpoint.objects.filter(name__in=names).delete()
        prune_sightings(SIGHTINGS_PRUNED_PER_FLUSH + 2 * len(sightings))
    return Flushed(len(fresh), views, bot_hits)


def _folder_offsets(file_buffer):
    """{file name: offset} of this folder's files (other hosts' folders have other ids)."""
    prefix = file_buffer.checkpoint_name("")
    checkpoints = BufferCheckpoint.objects.filter(name__startswith=prefix)
    rows = checkpoints.values_list("name", "offset")
    return {name.removeprefix(prefix): offset for name, offset in rows}


def _ship(file_buffer, view_buffer, segments):
    """Sends `segments` to Redis; returns the lines it did not take, as segments.

    From Redis's first error on, the rest is left to the database, down to the lines past the
    last call that succeeded: Redis holds those before it, and would flush them itself.
    """
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    left = []
    for segment in segments:
        if left:
            left.append(segment)
            continue
        lines = parse_lines(segment.data, segment.start)
        reached = segment.start
        try:
            for start in range(0, len(lines), SHIP_LINES_PER_CALL):
                chunk = lines[start : start + SHIP_LINES_PER_CALL]
                view_buffer.ship(file_buffer.checkpoint_name(segment.name), chunk, window)
                reached = chunk[-1].end
        except RedisError:
            logger.warning("Redis is unreachable: writing buffered views to the database")
            left.append(rest_of(segment, reached))
    return [segment for segment in left if segment.end > segment.start]


def prune_sightings(limit=None):
    """Deletes sightings older than SIGHTING_KEEP, oldest first, at most `limit` of them."""
    old = FallbackSighting.objects.filter(seen_at__lt=timezone.now() - SIGHTING_KEEP)
    if limit is None:
        old.delete()
        return
    # One DELETE ... WHERE id IN (SELECT ... LIMIT): SQLite and PostgreSQL take a limited subquery.
    FallbackSighting.objects.filter(pk__in=old.order_by("seen_at").values("pk")[:limit]).delete()


def _advance(file_buffer, segment, offsets):
    """Moves a file's offset from where this flush started reading, or fails the transaction."""
    name = file_buffer.checkpoint_name(segment.name)
    if segment.name not in offsets:
        BufferCheckpoint.objects.create(name=name, offset=segment.end)
    elif not BufferCheckpoint.objects.filter(name=name, offset=segment.start).update(
        offset=segment.end
    ):
        raise IntegrityError(f"Another flush moved the offset of {segment.name}")


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
    # The 24-hour ranking reads the last 24 hours; two days leave room for any time zone.
    ArticleHourlyViews.objects.filter(
        hour__lt=timezone.now() - datetime.timedelta(hours=HOURLY_KEEP_HOURS)
    ).delete()
    FlushedBatch.objects.filter(
        flushed_at__lt=timezone.now() - datetime.timedelta(days=keep_days)
    ).delete()
    prune_sightings()
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
