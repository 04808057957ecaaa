"""A reader's own comments that await moderation, shown to them alone where they will appear.

Posting a comment sends the reader back to it (`article#comment-<id>`) with a signed cookie that
remembers the comments they posted from this browser, signed in or not; each is shown only to
whoever posted it (the account, or anyone signed out for a comment posted signed out), so the
next person at a shared browser sees none of them. (On another device a
signed-in reader finds them under "My comments": looking them up by account on every page they
read would cost a query a page, where the cookie costs none when it is absent.)

The article page, the same cached page for everyone, holds a placeholder under its comments
(lifescope/page_cache.py); as the page is served, `own_pending_comments` fills it with those of
the reader's comments on the article that still wait, each marked as awaiting moderation, and
the response becomes private. Nobody else, and no cache, ever sees them. Comments held as spam
look the same to their author: telling them would teach them.
"""

from django.conf import settings
from django.core import signing
from django.template import engines

from comments.models import Comment
from lifescope import page_cache

COOKIE = "lifescope_comments"
SALT = "comments.pending"
# The newest this many comments are remembered, for this long.
REMEMBERED = 20
MAX_AGE = 30 * 24 * 60 * 60
WAITING = (Comment.Status.PENDING, Comment.Status.SPAM)


def remember(request, response, comment):
    """Adds `comment` to the comments this browser remembers having posted."""
    ids = [pk for pk in remembered(request) if pk != comment.pk][-(REMEMBERED - 1) :]
    response.set_cookie(
        COOKIE,
        signing.dumps([*ids, comment.pk], salt=SALT, compress=True),
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def remembered(request):
    """The ids of the comments this browser posted, from its signed cookie (none if forged)."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return []
    try:
        ids = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(ids, list):
        return []
    return [pk for pk in ids if isinstance(pk, int)]


def own_pending_comments(request, article_id):
    """The page-cache fill "pending-comments": the waiting comments on the article that this
    browser posted, as whoever is reading now: a signed-in reader's own, or, signed out, those
    posted signed out. A browser is shared: the next person at it sees none of another's."""
    ids = remembered(request)
    if not ids or not article_id.isdigit():
        return ""
    user = getattr(request, "user", None)
    author = user.pk if user is not None and user.is_authenticated else None
    comments = list(
        Comment.objects.filter(
            pk__in=ids, article_id=int(article_id), status__in=WAITING, user_id=author
        )
        .select_related("parent")
        .order_by("created", "id")
    )
    if not comments:
        return ""
    template = engines["jinja2"].get_template("comments/includes/pending.html")
    return page_cache.Own(template.render({"comments": comments}))
