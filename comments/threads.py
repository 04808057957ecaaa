"""An article's approved comments, threaded and rendered once per change instead of per request.

Rendering thirty comments took about a third of an uncached article page. Now the first page
that needs a thread after a change renders it and keeps the HTML in `RenderedThread`; every
later page reads it back in the one query the comments took before. Every change of an
article's approved comments goes through `comments.services`, which calls `mark_changed()` in
its transaction. That moves the row's revision on and marks it stale, and a page stores what it
rendered only if the revision it read before reading the comments is still current: a render
from comments read just before a moderation committed is dropped, not kept.

Pages run in autocommit (no ATOMIC_REQUESTS): a read or write the database refuses is logged,
and the page shows what it rendered. (Inside a transaction, PostgreSQL would still abort it.)
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.db.models import F
from django.template import engines
from markupsafe import Markup

import lifescope.jinja2
from comments.models import Comment, RenderedThread

logger = logging.getLogger(__name__)

TEMPLATE = "comments/includes/thread.html"
# Templates whose text shapes the stored HTML: a deploy that changes one re-renders every thread.
TEMPLATES = (TEMPLATE, "comments/includes/comment.html")


@dataclass(frozen=True, slots=True)
class Thread:
    count: int
    open_html: Markup
    closed_html: Markup


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
    """The approved comments under the article, rendered: stored, or rendered now and stored."""
    try:
        stored = list(
            RenderedThread.objects.filter(article_id=article_id).values_list(
                "revision", "rendered_with", "count", "open_html", "closed_html"
            )
        )
    except DatabaseError:
        # SQLite in shared-cache mode (the browser tests' server) refuses to read a table that
        # another connection is writing, rather than wait: the page renders the thread itself.
        logger.warning("Could not read the stored comment thread of article %s", article_id)
        return render(article_id)
    revision, signature = None, rendering_signature()
    if stored:
        revision, rendered_with, count, open_html, closed_html = stored[0]
        if rendered_with == signature:
            return Thread(count, Markup(open_html), Markup(closed_html))
    thread = render(article_id)
    try:
        _store(article_id, revision, signature, thread)
    except DatabaseError:
        # A page can still show what it rendered; the next one will try to store it again.
        logger.warning("Could not store the comment thread of article %s", article_id)
    return thread


def mark_changed(article_ids):
    """Marks the stored threads of these articles stale. Call it in the transaction that
    changes which of their comments are approved."""
    if not article_ids:
        return
    # A row for every article, so a page that found none cannot store an older render later.
    RenderedThread.objects.bulk_create(
        [RenderedThread(article_id=article_id) for article_id in article_ids],
        ignore_conflicts=True,
    )
    RenderedThread.objects.filter(article_id__in=article_ids).update(
        revision=F("revision") + 1, rendered_with=""
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


def rendering_signature():
    """What stored HTML must have been rendered with to be shown as it is."""
    parts = (_templates_digest(), settings.TIME_ZONE, str(settings.COMMENTS["MAX_DEPTH"]))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@cache
def _templates_digest():
    environment = engines["jinja2"].env
    sources = [environment.loader.get_source(environment, name)[0] for name in TEMPLATES]
    # The helpers that write the thread's dates and times live there.
    sources.append(Path(lifescope.jinja2.__file__).read_text())
    return hashlib.sha256("\x00".join(sources).encode()).hexdigest()


def _store(article_id, revision, signature, thread):
    values = {
        "rendered_with": signature,
        "count": thread.count,
        "open_html": str(thread.open_html),
        "closed_html": str(thread.closed_html),
    }
    if revision is None:
        # No change was recorded when the page looked: a row there now comes from a change.
        RenderedThread.objects.bulk_create(
            [RenderedThread(article_id=article_id, **values)], ignore_conflicts=True
        )
    else:
        # Not over a row another page already stored for this revision: one write per change.
        RenderedThread.objects.filter(article_id=article_id, revision=revision).exclude(
            rendered_with=signature
        ).update(**values)
