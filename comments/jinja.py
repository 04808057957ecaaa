"""Template helpers for the comments under an article (see lifescope/jinja2.py)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import policy
from lifescope.prepared import PreparedQuery

SHOWN_COMMENT_ROWS = PreparedQuery(
    lambda article_id: Comment.objects.for_article_page(article_id).values_list(
        "id", "parent_id", "name", "body_html", "created", "depth"
    ),
    article_id=Comment._meta.get_field("article"),
)


def register(environment):
    environment.globals["comment_section"] = comment_section


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


def comment_section(request, article):
    """What the "Comments" part of an article page shows: approved comments threaded, the form."""
    rows = SHOWN_COMMENT_ROWS.fetch(article_id=article.pk)
    comments = [ShownComment(*row) for row in rows]
    closed_reason = policy.closed_reason(article)
    max_depth = settings.COMMENTS["MAX_DEPTH"]
    form = replying_to = None
    if not closed_reason:
        form = CommentForm(article=article, user=request.user)
        by_pk = {comment.pk: comment for comment in comments}
        replying_to = by_pk.get(_int(request.GET.get("reply_to")))
        if replying_to and replying_to.depth < max_depth:
            form.initial["parent"] = replying_to.pk
        else:
            replying_to = None
    return {
        "comments": thread(comments),
        "count": len(comments),
        "form": form,
        "replying_to": replying_to,
        "closed_reason": closed_reason,
        "can_reply": not closed_reason,
        "max_depth": max_depth,
    }


def thread(comments):
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


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
