"""Decides whether a response is a counted view, and records it.

Not counted: anything but a GET answered 200, browser prefetch or prerender, logged-in staff,
requests with no user agent, known bots (kept apart as bot hits), and a visitor who read the
same article within ANALYTICS["DEDUPE_SECONDS"].
"""

import enum
import logging
import time

from django.conf import settings
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

    This process's record of recent reads (analytics/recent.py) drops its own repeats cheaply,
    under a lock. The view it lets through is appended, with its visitor, window and time, to
    this process's file buffer: one write(), no round trip, and it survives SIGKILL. Shortly
    after, a flush sends the file to Redis when there is one, whose script counts each read
    only if the visitor's key was absent (atomic, shared by every process and host), or else
    to the database, where a unique sighting row decides the same (so True here means "not a
    repeat in this process"). Should the append fail, Redis decides at once, and when Redis
    cannot answer either, the database does.
    """
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    if not recent.recent_reads.first(hash((article_id, visitor)), window):
        return False
    hour = storage.current_hour()
    read_at = int(time.time())
    sighting = storage.Sighting(article_id, visitor, window_number(window), day, hour)
    try:
        scheduling.writer().add(
            article_id, day, filebuffer.VIEW, hour, visitor=visitor, window=sighting.window,
            read_at=read_at,
        )  # fmt: skip
        return True
    except OSError:
        logger.exception("Could not buffer a view: counting it at once instead")
    shared = buffer.get_buffer()
    if shared is not None:
        try:
            seen_key = buffer.seen_key(article_id, visitor)
            return shared.add_first_read(seen_key, window, article_id, day, hour)
        except RedisError:
            logger.warning("Redis is unreachable: counting a view in the database instead")
    return _count_first_read_in_database(sighting)


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


def record(article_id, day, bot=False):
    """Adds one view (or bot hit) to this process's file buffer (analytics/filebuffer.py),
    which the flush sends on to Redis when there is one, else to the database.

    Should the append fail, the count goes to Redis at once, or to the database directly,
    rather than being lost.
    """
    hour = storage.current_hour()
    try:
        scheduling.writer().add(article_id, day, filebuffer.BOT if bot else filebuffer.VIEW, hour)
        return
    except OSError:
        logger.exception("Could not buffer a view: writing it at once instead")
    shared = buffer.get_buffer()
    if shared is not None:
        try:
            shared.add(article_id, day, buffer.BOT if bot else buffer.VIEW, hour)
            return
        except RedisError:
            logger.warning("Redis is unreachable: writing a view to the database instead")
    storage.add_one(article_id, day, bot=bot, hour=hour)
