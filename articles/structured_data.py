"""Schema.org JSON-LD for articles, built as plain data and serialised safely for <script>."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from lifescope import addresses

# What django.utils.html.json_script escapes: no "</script>" or "<!--" can form inside.
SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def news_article(article, request, tags=None):
    """The `NewsArticle` description of `article`, with absolute URLs; `tags` if already loaded."""
    url = request.build_absolute_uri(article.get_absolute_url())
    site_name = settings.LIFESCOPE["SITE_NAME"]
    logo = settings.DISCOVERY["PUBLISHER_LOGO"]
    author = {"@type": "Person", "name": article.author_name}
    if article.author_profile:
        author["url"] = request.build_absolute_uri(article.author_profile.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title[:110],
        "description": article.summary,
        "datePublished": article.published_at.isoformat(timespec="seconds"),
        "dateModified": article.modified_at.isoformat(timespec="seconds"),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in (article.tags.all() if tags is None else tags)],
        "author": [author],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": site_name,
            "url": request.build_absolute_uri(addresses.url("articles:front_page")),
            "logo": {
                "@type": "ImageObject",
                "url": request.build_absolute_uri(addresses.static_url(logo["path"])),
                "width": logo["width"],
                "height": logo["height"],
            },
        },
    }
    if article.hero_image:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": request.build_absolute_uri(article.hero_image.url),
                "width": article.hero_width,
                "height": article.hero_height,
            }
        ]
    return data


def json_ld_script(data):
    """`data` in a JSON-LD <script>; any text inside stays text, whatever it contains."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
