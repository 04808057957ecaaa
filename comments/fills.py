"""The parts of a shared article page that are the reader's own, filled in as it is served.

The article page is one cached page for everyone (lifescope/page_cache.py); its placeholders
become, for each request: who is writing a comment (name and e-mail fields, or "Commenting as …"
with the reader's CSRF token and the reply-e-mail box), and the reader's own comments awaiting
moderation (comments/pending.py). What only one reader may see is returned as
`page_cache.Own`, which keeps the response out of every shared cache.
"""

from functools import cache
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.template import engines

from comments.forms import CommentForm
from lifescope import page_cache

READER_PART = "comments/includes/form_reader.html"


def comment_reader(request, arg=""):
    """The page-cache fill "comment-reader": who is writing the comment."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _anonymous_reader_part()
    form = CommentForm(article=None, user=user)
    template = engines["jinja2"].get_template(READER_PART)
    return page_cache.Own(template.render({"form": form}, request))


@cache
def _anonymous_reader_part():
    # The same for every anonymous reader: empty name and e-mail fields.
    template = engines["jinja2"].get_template(READER_PART)
    anonymous = SimpleNamespace(user=AnonymousUser())
    return template.render({"form": CommentForm(article=None), "request": anonymous})
