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
from redis.exceptions import RedisError

from analytics import buffer, filebuffer, recent, scheduling, storage, visitors
from analytics.models import FallbackSighting

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
    if not first_read(article_id, visitors.visitor_key(request, today)):
        return Outcome.REPEAT
    record(article_id, today)
    return Outcome.VIEW


def first_read(article_id, visitor):
    """True once per visitor and article per dedupe window.

    With Redis, cache.add is one atomic set-if-absent shared by every process, so two
    simultaneous requests of one visitor cannot both see "absent". When Redis cannot answer
    (django-redis then returns None), a unique row in the database does the same job.
    Without Redis, this process's own record of recent reads (analytics/recent.py) does.
    """
    window = settings.ANALYTICS["DEDUPE_SECONDS"]
    if not settings.ANALYTICS["BUFFER_IN_REDIS"]:
        return recent.recent_reads.first(hash((article_id, visitor)), window)
    added = cache.add(f"analytics:seen:{article_id}:{visitor}", 1, timeout=window)
    if added is None:
        return _first_read_in_database(article_id, visitor, window)
    return bool(added)


def _first_read_in_database(article_id, visitor, window):
    _, created = FallbackSighting.objects.get_or_create(
        article_id=article_id, visitor=visitor, window=int(time.time()) // window
    )
    return created


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
