import logging

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
                article_id = int(ARTICLE_VIEW_SIGNER.unsign(marker))
            except (BadSignature, ValueError):
                logger.warning("Ignored an article marker with a bad signature")
                return response
            try:
                counting.count_response(request, response, article_id)
            except Exception:
                logger.exception("Could not count a view of article %s", article_id)
        return response
