"""Moving buffered views to the database and keeping the daily rows small."""

import datetime
import logging
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from analytics import storage
from analytics.buffer import get_buffer
from analytics.filebuffer import get_file_buffer
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


class Flushed(NamedTuple):
    batches: int = 0
    views: int = 0
    bot_hits: int = 0


def flush_views(view_buffer=None):
    """Writes buffered views (Redis, else this host's files) to the database exactly once."""
    view_buffer = view_buffer or get_buffer()
    if view_buffer is None:
        return flush_files(local_buffer(), wait=True)
    return flush_redis(view_buffer)


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


def flush_files(file_buffer, wait=False, min_interval=0.0):
    """Writes the unflushed lines of every buffer file, and their new offsets, in one transaction.

    Then deletes the files read to the end whose writers are gone, and their offsets. Does
    nothing when another flush holds the folder (unless `wait`) or ran within `min_interval`.
    """
    with file_buffer.flush_lock(wait=wait, min_interval=min_interval) as ours:
        if not ours:
            return Flushed()
        offsets = dict(BufferCheckpoint.objects.values_list("name", "offset"))
        segments = file_buffer.read(offsets)
        fresh = [segment for segment in segments if segment.end > segment.start]
        views = bot_hits = 0
        if fresh:
            with transaction.atomic():
                for segment in fresh:
                    _advance(segment, offsets)
                views, bot_hits = storage.add_counts(
                    [count for segment in fresh for count in segment.counts]
                )
        finished = {segment.name for segment in segments if file_buffer.delete_if_finished(segment)}
        # A file is deleted before its offset, so an offset without a file is a finished one.
        listed = {segment.name for segment in segments}
        done = finished | (offsets.keys() - listed)
        if done:
            BufferCheckpoint.objects.filter(name__in=done).delete()
    return Flushed(len(fresh), views, bot_hits)


def _advance(segment, offsets):
    """Moves a file's offset from where this flush started reading, or fails the transaction."""
    if segment.name not in offsets:
        BufferCheckpoint.objects.create(name=segment.name, offset=segment.end)
    elif not BufferCheckpoint.objects.filter(name=segment.name, offset=segment.start).update(
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
    # Sightings only matter within their dedupe window; a day is far past any window.
    FallbackSighting.objects.filter(
        seen_at__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()
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
