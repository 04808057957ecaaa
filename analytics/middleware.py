import logging
from functools import lru_cache

from django.conf import settings
from django.core.signing import BadSignature
from django.http import HttpResponse, HttpResponseNotFound

from analytics import counting
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
    article once per window, so they make one view. Counting never fails a page.
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
            count(request, marker)
        return response


def beacon(request, token):
    """The answer to a view beacon: the pixel, counted if its signature holds; never cached."""
    if not count(request, token):
        return HttpResponseNotFound(b"", content_type="text/plain")
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


def count(request, token):
    """Counts a read of the article `token` names; False when the token is not ours."""
    try:
        article_id = signed_article_id(token)
    except (BadSignature, ValueError):
        return False
    if settings.ANALYTICS["COUNT_VIEWS"]:
        try:
            counting.count_read(request, article_id)
        except Exception:
            logger.exception("Could not count a view of article %s", article_id)
    return True


@lru_cache(maxsize=4096)
def signed_article_id(token):
    """The article a valid token names. A page's token never changes, so its signature is
    checked once, not on every read; a bad one raises and is never remembered."""
    return int(ARTICLE_VIEW_SIGNER.unsign(token))
