"""Template helpers for the comments under an article (see lifescope/jinja2.py)."""

from allauth.account.utils import user_display
from django.conf import settings

from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import policy
from comments.threads import article_thread


def register(environment):
    environment.globals["comment_section"] = comment_section
    # The name a signed-in reader chose (settings.ACCOUNT_USER_DISPLAY), never their login.
    environment.globals["user_display"] = user_display


def comment_section(request, article):
    """What the "Comments" part of an article page shows: approved comments threaded, the form."""
    thread = article_thread(article.pk)
    closed_reason = policy.closed_reason(article)
    form = replying_to = None
    if not closed_reason:
        # The shared page's form: who is writing is filled in per reader (comments/fills.py).
        form = CommentForm(article=article)
        replying_to = _replying_to(article, request.GET.get("reply_to"))
        if replying_to:
            form.initial["parent"] = replying_to.pk
    return {
        "thread_html": thread.closed_html if closed_reason else thread.open_html,
        "count": thread.count,
        "form": form,
        "replying_to": replying_to,
        "closed_reason": closed_reason,
    }


def _replying_to(article, reply_to):
    """The approved comment of this article that `?reply_to=` names, if it may have replies."""
    # isdigit() alone admits "²", which int() refuses; a key has at most 19 digits, and int()
    # refuses more than 4,300.
    if not (reply_to and len(reply_to) <= 19 and reply_to.isascii() and reply_to.isdigit()):
        return None
    return (
        Comment.objects.approved()
        .filter(article=article, pk=int(reply_to), depth__lt=settings.COMMENTS["MAX_DEPTH"])
        .only("name", "depth")
        .first()
    )
