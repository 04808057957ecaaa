import logging
import time
from functools import lru_cache

from django.conf import settings
from django.core.signing import BadSignature
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotFound

from analytics import counting
from articles.models import Article
from articles.views import ARTICLE_VIEW_HEADER, ARTICLE_VIEW_SIGNER

logger = logging.getLogger(__name__)

BEACON_PATH = "/v/"
# A transparent 1x1 GIF: what an <img> beacon gets back.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


class ViewCounterMiddleware:
    """Counts article views (analytics/counting.py tells the whole path), two ways:

    - the article page's own response, which the article view marks with a signed header
      naming the article, whether the view ran or a page cache answered (the header never
      reaches the client);
    - the page's view beacon (`BEACON_PATH`<signed article>.gif, an <img> in the page), for
      when an HTTP cache in front answered and the page never reached the site. It is answered
      here, before any other middleware: no session, no template, no query.

    When the site serves the page, both arrive; the flush counts a visitor's reads of an
    article once per window, so they make one view (a bot's, one bot hit). A beacon of an
    article no longer published (or deleted) is answered 204 and not counted (`is_published`).
    Counting never fails a page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(BEACON_PATH):
            return beacon(request, request.path_info[len(BEACON_PATH) :].removesuffix(".gif"))
        response = self.get_response(request)
        marker = response.headers.get(ARTICLE_VIEW_HEADER)
        if marker is None:
            return response
        del response.headers[ARTICLE_VIEW_HEADER]
        if response.status_code == 200:
            try:
                article_id = signed_article_id(marker)
            except (BadSignature, ValueError):
                return response
            seen_published(article_id, time.time())
            count(request, article_id)
        return response


def beacon(request, token):
    """The answer to a view beacon: the pixel, counted if its signature holds and the article
    is published (else 204, uncounted); never cached."""
    try:
        article_id = signed_article_id(token)
    except (BadSignature, ValueError):
        return HttpResponseNotFound(b"", content_type="text/plain")
    if is_published(article_id):
        count(request, article_id, beacon=True)
        response = HttpResponse(PIXEL, content_type="image/gif")
    else:
        response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store, private"
    return response


def count(request, article_id, beacon=False):
    """Counts a read of article `article_id`, if counting is on; never raises."""
    if settings.ANALYTICS["COUNT_VIEWS"]:
        try:
            counting.count_read(request, article_id, beacon)
        except Exception:
            logger.exception("Could not count a view of article %s", article_id)


# Article id -> until when (epoch seconds) this process takes it as published.
_published = {}
PUBLISHED_KEPT = 10_000


def is_published(article_id):
    """Whether the article is published, as this process saw it at most PAGE_CACHE["SECONDS"]
    ago: when it served the article's page, or when a beacon last asked the database. So a
    beacon costs a query once per article a minute in a process, not once per read, and a
    story taken down stops answering its beacons as soon as the cached pages that carry them
    expire. (The flush counts published articles only, whatever this says.) With the database
    unreachable, a beacon is taken as one of a published story: the flush decides later."""
    now = time.time()
    if _published.get(article_id, 0) > now:
        return True
    try:
        published = Article.objects.published().filter(pk=article_id).exists()
    except DatabaseError:
        logger.exception("Could not tell whether article %s is published", article_id)
        return True
    if published:
        seen_published(article_id, now)
    return published


def seen_published(article_id, now):
    """Remembers that the article was published at `now`, for a page's lifetime; past
    PUBLISHED_KEPT articles the memory starts again empty, so it never grows without bound."""
    if len(_published) >= PUBLISHED_KEPT:
        _published.clear()
    _published[article_id] = now + settings.PAGE_CACHE["SECONDS"]


@lru_cache(maxsize=4096)
def signed_article_id(token):
    """The article a valid token names. A page's token never changes, so its signature is
    checked once, not on every read; a bad one raises and is never remembered."""
    return int(ARTICLE_VIEW_SIGNER.unsign(token))


def forget_published():
    """Forgets what `is_published` saw (tests: their databases come and go)."""
    _published.clear()
