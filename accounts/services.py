"""What a reader's data is, to hand it over or to delete it (README, "Reader accounts")."""

from allauth.account.models import EmailAddress
from django.db import transaction

from comments import services as comments
from comments.models import Comment, ReplySubscription

# What became of a comment, in the words its author reads on every page of theirs (My
# comments, the download). Held as spam reads as awaiting moderation, as it does under the
# article (comments/pending.py): telling a spammer the filter caught them teaches them.
STATUS_FOR_AUTHOR = {
    Comment.Status.PENDING: "Awaiting moderation",
    Comment.Status.SPAM: "Awaiting moderation",
    Comment.Status.APPROVED: "Published",
    Comment.Status.REJECTED: "Not published",
}


def export(user, absolute):
    """Everything the site holds about the reader, as JSON-ready data; `absolute(path)` makes
    the links. Their comments in any status, with what became of each as My comments says
    it (`STATUS_FOR_AUTHOR`)."""
    return {
        "profile": {
            "display_name": user.get_full_name(),
            "joined": user.date_joined.isoformat(),
            "last_sign_in": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "comments": [
            {
                "article": comment.article.title,
                "url": absolute(comment.get_absolute_url()),
                "written": comment.created.isoformat(),
                "status": STATUS_FOR_AUTHOR[comment.status],
                "in_reply_to": comment.parent_id,
                "id": comment.pk,
                "name": comment.name,
                "email": comment.email,
                "text": comment.body,
            }
            for comment in Comment.objects.filter(user=user).select_related("article")
        ],
        "reply_subscriptions": [
            {
                "article": subscription.article.title,
                "url": absolute(subscription.article.get_absolute_url()),
                "since": subscription.created.isoformat(),
                "last_e_mail": (
                    subscription.last_sent_at.isoformat() if subscription.last_sent_at else None
                ),
            }
            for subscription in ReplySubscription.objects.filter(user=user).select_related(
                "article"
            )
        ],
    }


def delete_account(user, keep_comments):
    """Deletes the reader's account, their addresses and subscriptions (cascades), and their
    comments or their name on them (comments.services.forget_reader). A session of theirs
    still open elsewhere finds no account on its next request: it is signed out."""
    with transaction.atomic():
        comments.forget_reader(user, keep_comments=keep_comments)
        user.delete()
