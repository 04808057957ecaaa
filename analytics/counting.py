"""Counting article views: the whole path of a view, from the response to the database.

1. `articles.views.ArticleDetailView` marks a reader's article page with a signed header naming
   the article. The page cache stores the header with the page, so cached pages carry it too.
   The page also carries a view beacon, a 1x1 image at the same signed name, for when an HTTP
   cache in front serves the page without asking the site (README, "Behind Varnish or a CDN").
2. `analytics.middleware.ViewCounterMiddleware`, the outermost middleware, takes the header off
   every response and, for an article page answered 200, calls `count_read()` below; it
   answers beacons itself, before any other middleware, and counts them the same way (a
   beacon of an article not published is answered 204, uncounted).
3. `count_read()` decides whether a person is reading: a GET, not a browser's prefetch or
   prerender, with a user agent, not signed-in staff. Known crawlers are bot hits, kept
   apart (a page hit and a beacon hit told apart, so the flush can make the two one).
   `analytics/visitors.py` says who the reader is: a keyed hash of address and user agent
   that rotates daily, never the address itself.
4. `record()` appends one line (time, article, kind, visitor) to this process's view log
   (`analytics/viewlog.py`): one write(), no database, and it outlives a killed worker.
5. About once a second per host, after a response, `analytics/flush.py` moves the logs' new
   lines into the database in one transaction: the files' offsets, the visitors' sightings that
   make a reader count once per DEDUPE_SECONDS, the articles' totals and their daily and hourly
   rows. The same on every database and in every deployment.

If the log cannot be written (a full disk), the view goes to the database at once through the
flush's own `ingest()`, deduped the same way. Nothing on this path talks to Redis.
"""

import logging
import time

from analytics import flush, viewlog, visitors

logger = logging.getLogger(__name__)


def count_read(request, article_id, beacon=False):
    """Counts a request for article `article_id`'s page (or its beacon) if someone is reading
    it; True if it was sent on (the flush decides whether it repeats an earlier read)."""
    if request.method != "GET":
        return False
    if visitors.is_speculative(request) or not visitors.user_agent(request):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        return False
    if visitors.is_bot(request):
        kind = viewlog.BOT_BEACON if beacon else viewlog.BOT
        record(article_id, kind, visitors.visitor_key(request))
    else:
        record(article_id, viewlog.VIEW, visitors.visitor_key(request))
    return True


def record(article_id, kind, visitor=None):
    """Appends a view or bot hit to this process's log, or counts it at once if that fails."""
    read_at = int(time.time())
    try:
        viewlog.local_log().append(viewlog.line(read_at, article_id, kind, visitor))
        return
    except OSError:
        logger.exception("Could not log a view: counting it in the database at once")
    flush.ingest([viewlog.Line(0, read_at, article_id, kind, visitor)])
