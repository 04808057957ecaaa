import logging
from functools import lru_cache

from django.conf import settings
from django.core.signing import BadSignature

from analytics import counting
from articles.views import ARTICLE_VIEW_HEADER, ARTICLE_VIEW_SIGNER

logger = logging.getLogger(__name__)


class ViewCounterMiddleware:
    """Counts article pages on the way out, whether the view ran or a page cache answered.

    The article view marks its public page with a signed header; only a valid signature counts,
    and the header never reaches the client. Counting can fail without failing the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        marker = response.headers.get(ARTICLE_VIEW_HEADER)
        if marker is None:
            return response
        del response.headers[ARTICLE_VIEW_HEADER]
        if settings.ANALYTICS["COUNT_VIEWS"]:
            try:
                article_id = signed_article_id(marker)
            except (BadSignature, ValueError):
                logger.warning("Ignored an article marker with a bad signature")
                return response
            try:
                counting.count_response(request, response, article_id)
            except Exception:
                logger.exception("Could not count a view of article %s", article_id)
        return response


@lru_cache(maxsize=4096)
def signed_article_id(marker):
    """The article a valid marker names. A page's marker never changes, so its signature is
    checked once, not on every cache hit; a bad one raises and is never remembered."""
    return int(ARTICLE_VIEW_SIGNER.unsign(marker))
