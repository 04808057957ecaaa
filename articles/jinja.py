"""Template helpers of the public pages that articles own (see lifescope/jinja2.py)."""

from django.conf import settings
from markupsafe import Markup

from articles import navigation, related, structured_data
from articles.models import article_page
from lifescope import page_cache


def register(environment):
    environment.globals.update(
        section_links=navigation.section_links,
        related_stories=related.related_stories,
        article_json_ld=article_json_ld,
        article_tags=article_tags,
        canonical_url=canonical_url,
        twitter_site=settings.DISCOVERY["TWITTER_SITE"],
    )


def article_json_ld(request, article):
    data = structured_data.news_article(article, request, tags=article_tags(article))
    return Markup(structured_data.json_ld_script(data))


def article_tags(article):
    """The article's tags, oldest tag first, fetched once however many parts of the page show them,
    and kept as a page-cache fragment until a change of the article retires its page.

    One plain query: taggit's prefetch_related("tags") cost about seven times as much.
    """
    if not hasattr(article, "tags_on_page"):
        article.tags_on_page = page_cache.fragment(
            f"articles:tags:{article.pk}",
            [article_page(article.pk)],
            lambda: list(article.tags.order_by("pk")),
        )
    return article.tags_on_page


def canonical_url(request, page_obj=None):
    """This listing's absolute address, keeping only the page number beyond the first."""
    url = request.build_absolute_uri(request.path)
    return f"{url}?page={page_obj.number}" if page_obj and page_obj.number > 1 else url
