"""An article's approved comments, threaded and rendered once per change instead of per request.

Rendering thirty comments took about a third of an uncached article page. So the thread is a
page-cache fragment (lifescope/page_cache.py): rendered by the first page that needs it, kept
until the article's page is retired, which every change of its approved comments does
(comments.services) in the same step as the page itself. A render that read the comments just
before a moderation committed is never kept past it: the fragment is retired by any change
made after its rendering began.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.template import engines
from markupsafe import Markup

from articles.models import article_page
from comments.models import Comment
from lifescope import page_cache

TEMPLATE = "comments/includes/thread.html"


@dataclass(frozen=True, slots=True)
class Thread:
    count: int
    open_html: Markup  # with reply links
    closed_html: Markup  # without them, for when comments have closed with time


@dataclass(slots=True)
class ShownComment:
    """An approved comment as the page shows it: plain values, cheaper to load than a model."""

    id: int
    parent_id: int | None
    name: str
    body_html: str
    created: datetime
    depth: int
    thread_replies: list = field(default_factory=list)
    orphaned: bool = False

    @property
    def pk(self):
        return self.id


def article_thread(article_id):
    """The approved comments under the article, rendered: kept, or rendered now and kept."""
    return page_cache.fragment(
        f"comments:thread:{article_id}", [article_page(article_id)], lambda: render(article_id)
    )


def render(article_id):
    rows = Comment.objects.for_article_page(article_id).values_list(
        "id", "parent_id", "name", "body_html", "created", "depth"
    )
    comments = [ShownComment(*row) for row in rows]
    roots = nest(comments)
    template = engines["jinja2"].get_template(TEMPLATE)
    max_depth = settings.COMMENTS["MAX_DEPTH"]
    open_html, closed_html = (
        template.render({"comments": roots, "can_reply": can_reply, "max_depth": max_depth})
        for can_reply in (True, False)
    )
    return Thread(len(comments), Markup(open_html), Markup(closed_html))


def nest(comments):
    """Nests `comments` (reading order) under their parents, in Python, without queries.

    A reply whose parent is not among them (the parent was rejected later) stands at the top
    level, marked, so the count above the list is the number of comments in it.
    """
    by_pk = {comment.pk: comment for comment in comments}
    roots = []
    for comment in comments:
        comment.thread_replies = []
        comment.orphaned = bool(comment.parent_id) and comment.parent_id not in by_pk
    for comment in comments:
        parent = by_pk.get(comment.parent_id)
        (parent.thread_replies if parent else roots).append(comment)
    return roots
