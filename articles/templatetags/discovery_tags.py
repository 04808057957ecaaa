from django import template
from django.conf import settings

from articles import related, structured_data

register = template.Library()


@register.simple_tag(takes_context=True)
def article_json_ld(context, article):
    return structured_data.json_ld_script(structured_data.news_article(article, context["request"]))


@register.simple_tag(takes_context=True)
def absolute_url(context, url):
    return context["request"].build_absolute_uri(url)


@register.inclusion_tag("articles/includes/related.html")
def related_stories(article):
    return {"stories": related.related_stories(article)}


@register.simple_tag(takes_context=True)
def canonical_url(context, page_obj=None):
    """This listing's absolute address, keeping only the page number beyond the first."""
    url = context["request"].build_absolute_uri(context["request"].path)
    return f"{url}?page={page_obj.number}" if page_obj and page_obj.number > 1 else url


@register.simple_tag
def twitter_site():
    return settings.DISCOVERY["TWITTER_SITE"]
