"""Template helpers of the public pages that analytics owns (see lifescope/jinja2.py)."""

from markupsafe import Markup

from articles.views import ARTICLE_VIEW_SIGNER
from lifescope.addresses import url


def register(environment):
    environment.globals["view_beacon"] = view_beacon


def view_beacon(article):
    """The article page's view beacon (analytics.middleware): a 1x1 image at the article's
    signed name, which counts the read when an HTTP cache in front served the page."""
    token = ARTICLE_VIEW_SIGNER.sign(str(article.pk))
    return Markup('<img class="view-beacon" src="{}" alt="" width="1" height="1">').format(
        url("analytics:beacon", token=token)
    )
