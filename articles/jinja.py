"""Template helpers of the public pages that articles own (see lifescope/jinja2.py)."""

from django.conf import settings
from markupsafe import Markup

from articles import related, sidebars, structured_data


def register(environment):
    environment.globals.update(
        section_links=sidebars.section_links,
        popular_posts=sidebars.popular_posts,
        related_stories=related.related_stories,
        article_json_ld=article_json_ld,
        canonical_url=canonical_url,
        twitter_site=settings.DISCOVERY["TWITTER_SITE"],
    )


def article_json_ld(request, article):
    return Markup(structured_data.json_ld_script(structured_data.news_article(article, request)))


def canonical_url(request, page_obj=None):
    """This listing's absolute address, keeping only the page number beyond the first."""
    url = request.build_absolute_uri(request.path)
    return f"{url}?page={page_obj.number}" if page_obj and page_obj.number > 1 else url
