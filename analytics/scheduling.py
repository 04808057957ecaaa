"""Flushing buffered views and refreshing the rankings without a separate process.

After a response has gone out (Django's request_finished), a process whose flush is due moves
the buffered views to the database, at most every ANALYTICS["FLUSH_SECONDS"] per host (file
buffer: a lock file) or per site (Redis: a key added atomically). At most every
RANKING_CACHE_SECONDS it also recomputes the rankings and the popular box, and retires the
cached pages only when they changed. Views reach the database through the process's file
buffer, and through Redis when there is one: the files go to Redis per host, Redis's hash to
the database per site. A worker flushes its file once more as it exits. `manage.py
flush_views` does the same on demand, e.g. from cron with FLUSH_SECONDS=0.
"""

import atexit
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache

from analytics import buffer, rankings, services
from articles import services as article_services
from articles import sidebars

logger = logging.getLogger(__name__)

FLUSH_GATE_KEY = "analytics:flush-gate"
RANKINGS_GATE_KEY = "analytics:rankings-gate"

_next_check = 0.0
_exit_flush = threading.Lock()
_exit_flush_registered = False


def writer():
    """The file buffer this process counts views into; it is flushed again at exit."""
    global _exit_flush_registered
    file_buffer = services.local_buffer()
    if settings.ANALYTICS["FLUSH_SECONDS"] and not _exit_flush_registered:
        with _exit_flush:
            if not _exit_flush_registered:
                atexit.register(_flush_at_exit)
                _exit_flush_registered = True
    return file_buffer


def flush_if_due(**kwargs):
    """request_finished receiver: one cheap clock check per request, a flush when it is due."""
    global _next_check
    every = settings.ANALYTICS["FLUSH_SECONDS"]
    now = time.monotonic()
    if not every or now < _next_check:
        return
    # Threads racing past the check are harmless: the lock or gate lets one of them through.
    _next_check = now + every
    try:
        flush(every)
        refresh_rankings_if_due()
    except Exception:
        logger.exception("Could not flush the buffered views")


def flush(every):
    """This host's files on (to Redis when there is one), then, once per site, Redis's hash."""
    redis_buffer = buffer.get_buffer()
    flushed = services.flush_files(
        services.local_buffer(), min_interval=every, view_buffer=redis_buffer
    )
    if redis_buffer is not None and cache.add(FLUSH_GATE_KEY, 1, timeout=every):
        return services.flush_redis(redis_buffer)
    return flushed


def refresh_rankings_if_due():
    """Recomputes the rankings and the popular box; retires the cached pages if they moved.

    The gate lives in the cache, as the pages do: once per site with Redis, once per process
    with the in-process cache (each process has pages of its own to retire).
    """
    if not cache.add(RANKINGS_GATE_KEY, 1, timeout=settings.ANALYTICS["RANKING_CACHE_SECONDS"]):
        return False
    moved = rankings.refresh_all()
    shown_box = cache.get(sidebars.POPULAR_BOX_KEY)
    cache.delete(sidebars.POPULAR_BOX_KEY)
    if shown_box is not None and shown_box != sidebars.popular_posts():
        moved = True
    if moved:
        article_services.purge_public_caches()
    return moved


def _flush_at_exit():
    file_buffer = services.local_buffer()
    file_buffer.close()
    try:
        services.flush_files(file_buffer, wait=True, view_buffer=buffer.get_buffer())
    except Exception:
        # Nothing is lost: the file stays, and the next flush of any process takes it.
        logger.exception("Could not flush the buffered views at exit")
