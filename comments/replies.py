"""Reply e-mails: a signed-in reader may ask to hear when someone replies to their comments.

**Asking.** A signed-in reader with an e-mail address finds "E-mail me when someone replies"
in the comment form, unticked. Ticking it stores a `ReplySubscription` for the reader and
the article (`subscribe`, in the comment's own transaction): an article's comments are one
thread on this site, so the subscription covers replies to any of their comments there.

**Sending.** `comments.services` is the one place comments are approved, at submit time or by a
moderator; after the approval commits, `services._notify_subscribers` mails the replies. A
reply to a comment of a subscriber, not written by the subscriber themselves, reaches them in
one e-mail per article: only at the account's address, only while the account is active and its
address verified (`comments.moderation.is_verified`), and at most once per
COMMENTS["REPLY_EMAIL_INTERVAL"] (a day). The interval is claimed with one conditional UPDATE
of `last_sent_at` before the e-mail goes, so two approvals at once cannot both send; replies
approved during the quiet interval are not mailed later. Links are absolute
(`services._absolute`).

**Stopping.** Every e-mail carries a one-click unsubscribe link, signed (its own salt) and
expiring after COMMENTS["UNSUBSCRIBE_LINK_MAX_AGE"] (60 days), naming the reader and the
article; it works without signing in. Its page (comments.views.UnsubscribeView) asks on GET,
so mail scanners that fetch links change nothing, and unsubscribes on POST, as does a mail
client's RFC 8058 one-click POST (`List-Unsubscribe`, `List-Unsubscribe-Post` headers).
A forged link answers 400 and an expired one 410, changing nothing.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from comments.models import ReplySubscription

_signer = signing.TimestampSigner(salt="comments.unsubscribe")


class InvalidUnsubscribeLink(Exception):
    """The link was altered or cut short ("tampered"), or is too old ("expired")."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def subscribe(comment):
    """Records that `comment`'s signed-in author wants e-mails about replies on its article."""
    ReplySubscription.objects.get_or_create(user_id=comment.user_id, article_id=comment.article_id)


def unsubscribe_path(user_id, article_id):
    token = _signer.sign_object({"user": user_id, "article": article_id})
    return reverse("comments:unsubscribe", kwargs={"token": token})


def subscription_for(token):
    """(user id, article id) that `token` names, or InvalidUnsubscribeLink."""
    try:
        max_age = settings.COMMENTS["UNSUBSCRIBE_LINK_MAX_AGE"]
        payload = _signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidUnsubscribeLink("expired") from None
    except signing.BadSignature:
        raise InvalidUnsubscribeLink("tampered") from None
    return payload["user"], payload["article"]


def is_subscribed(user_id, article_id):
    return ReplySubscription.objects.filter(user_id=user_id, article_id=article_id).exists()


def unsubscribe(user_id, article_id):
    """Stops reply e-mails to the reader about the article, if they were subscribed."""
    ReplySubscription.objects.filter(user_id=user_id, article_id=article_id).delete()
