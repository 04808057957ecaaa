"""Decides whether a response is a counted view, and records it.

Not counted: anything but a GET answered 200, browser prefetch or prerender, logged-in staff,
requests with no user agent, known bots (kept apart as bot hits), and a visitor who read the
same article within ANALYTICS["DEDUPE_SECONDS"].
"""

import enum
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from analytics import buffer, filebuffer, recent, scheduling, storage, visitors

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    VIEW = "view"
    BOT = "bot"
    REPEAT = "repeat"
    IGNORED = "ignored"


def count_response(request, response, article_id):
    """Counts `response`, the public page of article `article_id`, if a person is reading it."""
    if request.method != "GET" or response.status_code != 200:
        return Outcome.IGNORED
    if visitors.is_speculative(request) or not visitors.user_agent(request):
        return Outcome.IGNORED
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        return Outcome.IGNORED
    today = visitors.counting_day()
    if visitors.is_bot(request):
        record(article_id, today, bot=True)
        return Outcome.BOT
    if not record_first_read(article_id, visitors.visitor_key(request, today), today):
        return Outcome.REPEAT
    return Outcome.VIEW


def record_first_read(article_id, visitor, day):
    """Records a view if it is the visitor's first read of the article in the dedupe window.

    With Redis, one script sets the visitor's key if absent and, only then, adds the view to
    the buffer: atomic, shared by every process, one round trip. When Redis cannot answer, a
    unique row in the database dedupes and the view is written at once. Without Redis, this
    process's record of recent reads (analytics/recent.py) drops repeats cheaply, under a lock;
    the view it lets through carries the visitor and window to the file buffer, and the flush
    counts it only if no other process's line of that visitor, article and window came first
    (a unique row again, so True here means "not a repeat in this process").
    """
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    shared = buffer.get_buffer()
    if shared is None:
        if not recent.recent_reads.first(hash((article_id, visitor)), window):
            return False
        _record_sighting(article_id, visitor, window_number(window), day)
        return True
    hour = storage.current_hour()
    seen_key = cache.make_key(f"analytics:seen:{article_id}:{visitor}")
    try:
        return shared.add_first_read(seen_key, window, article_id, day, hour)
    except RedisError:
        logger.warning("Redis is unreachable: counting a view in the database instead")
    return _count_first_read_in_database(
        storage.Sighting(article_id, visitor, window_number(window), day, hour)
    )


def window_number(window):
    """Which dedupe window now falls in. Windows are fixed slices of the clock, not counted
    from the first read as Redis's key expiry is: a unique row can only name a fixed one."""
    return int(time.time()) // window


def _count_first_read_in_database(sighting):
    """Counts `sighting` at once if it is its visitor's first read in the window: the unique
    sighting rows the flush uses decide, and the view commits with its sighting."""
    with transaction.atomic():
        first = storage.first_sightings([sighting])
        storage.add_counts(first)
    return bool(first)


def _record_sighting(article_id, visitor, window_index, day):
    """Appends a reader's view, with its visitor and window, to this process's file buffer;
    should that fail, dedupes it in the database and writes it at once."""
    hour = storage.current_hour()
    try:
        scheduling.writer().add(
            article_id, day, filebuffer.VIEW, hour, visitor=visitor, window=window_index
        )
        return
    except OSError:
        logger.exception("Could not buffer a view: writing it to the database instead")
    _count_first_read_in_database(storage.Sighting(article_id, visitor, window_index, day, hour))


def record(article_id, day, bot=False):
    """Adds one view (or bot hit) to the Redis buffer if there is one, else to this process's
    file buffer (analytics/filebuffer.py).

    Should either fail, the view goes to the database directly rather than being lost.
    """
    hour = storage.current_hour()
    shared = buffer.get_buffer()
    if shared is not None:
        try:
            shared.add(article_id, day, buffer.BOT if bot else buffer.VIEW, hour)
            return
        except RedisError:
            logger.warning("Redis is unreachable: writing a view to the database instead")
    else:
        try:
            writer = scheduling.writer()
            writer.add(article_id, day, filebuffer.BOT if bot else filebuffer.VIEW, hour)
            return
        except OSError:
            logger.exception("Could not buffer a view: writing it to the database instead")
    storage.add_one(article_id, day, bot=bot, hour=hour)
