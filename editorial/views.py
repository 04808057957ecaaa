from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

from editorial.preview import InvalidPreviewLink, article_for

# Status of the page that refuses a link, by reason.
REFUSALS = {"expired": 410, "gone": 404, "tampered": 400}


@never_cache
def shared_preview(request, token):
    """A draft as readers will see it, for whoever holds a valid signed link; never indexed."""
    try:
        article = article_for(token)
    except InvalidPreviewLink as refusal:
        response = TemplateResponse(
            request,
            "editorial/preview_refused.html",
            {"reason": refusal.reason},
            status=REFUSALS[refusal.reason],
        )
    else:
        if article.is_public:
            return redirect(article)
        response = TemplateResponse(
            request, "articles/article_detail.html", {"article": article, "shared_preview": True}
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the address; it must not travel to sites the draft links to.
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response
