"""Decides whether a response is a counted view, and records it.

Not counted: anything but a GET answered 200, browser prefetch or prerender, logged-in staff,
requests with no user agent, known bots (kept apart as bot hits), and a visitor who read the
same article within ANALYTICS["DEDUPE_SECONDS"].
"""

import enum

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from analytics import buffer, storage, visitors


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
    today = timezone.localdate()
    if visitors.is_bot(request):
        record(article_id, today, bot=True)
        return Outcome.BOT
    if not first_read(article_id, visitors.visitor_key(request, today)):
        return Outcome.REPEAT
    record(article_id, today)
    return Outcome.VIEW


def first_read(article_id, visitor):
    """True once per visitor and article per dedupe window.

    cache.add is one atomic set-if-absent in Redis and in the in-process cache, so two
    simultaneous requests of one visitor cannot both see "absent".
    """
    key = f"analytics:seen:{article_id}:{visitor}"
    return bool(cache.add(key, 1, timeout=settings.ANALYTICS["DEDUPE_SECONDS"]))


def record(article_id, day, bot=False):
    """Adds one view (or bot hit) to the Redis buffer if there is one, else to the database."""
    shared = buffer.get_buffer()
    if shared is None:
        storage.add_one(article_id, day, bot=bot)
    else:
        shared.add(article_id, day, buffer.BOT if bot else buffer.VIEW)
