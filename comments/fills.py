"""The parts of a shared article page that are the reader's own, filled in as it is served.

The article page is one cached page for everyone (lifescope/page_cache.py); its placeholders
become, for each request: who is writing a comment (name and e-mail fields, or "Commenting as …"
with the reader's CSRF token and the reply-e-mail box), and the reader's own comments awaiting
moderation (comments/pending.py). What only one reader may see is returned as
`page_cache.Own`, which keeps the response out of every shared cache.
"""

from functools import cache
from types import SimpleNamespace

from allauth.account.utils import user_display
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
    # What the part shows of the reader: their name, and the reply-e-mail box if they have an
    # address to write to.
    shows = ("comment-reader", user_display(user), bool(user.email))
    return page_cache.own_part(request, shows, lambda csrf_input: _render(user, csrf_input))


def _render(user, csrf_input=""):
    template = engines["jinja2"].get_template(READER_PART)
    reader = SimpleNamespace(user=user)
    form = CommentForm(article=None, user=user)
    return template.render({"form": form, "request": reader, "csrf_input": csrf_input})


@cache
def _anonymous_reader_part():
    # The same for every anonymous reader: empty name and e-mail fields.
    return _render(AnonymousUser())
