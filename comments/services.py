"""What happens to comments beyond saving a row, shared by the posting view and the admin.

Every change of a comment's approval goes through here, so `Article.comment_count` stays the
exact number of approved comments, in the change's transaction, and the article's page and
stored thread are retired once it commits (lifescope/page_cache.py): only for comments whose
approval actually changed.
"""

from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection, send_mass_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, article_page
from comments import moderation, replies
from comments.models import BlockedReader, Comment, ReplySubscription
from comments.moderation import policy
from lifescope import page_cache

APPROVED = Comment.Status.APPROVED


def submit(comment, now=None, site_url="", notify_replies=False):
    """Stores a reader's new comment in the status the policy gives it, and tells whoever
    must know: moderators when it waits for them, the article's author and the subscribers it
    replies to when it is published. With `notify_replies`, its signed-in author will hear of
    replies to their comments on the article (comments/replies.py).

    `site_url` is the address the site was reached at, for the links in those e-mails: a
    view passes `request.build_absolute_uri("/")`. LIFESCOPE_SITE_URL, when set, wins.
    """
    now = now or timezone.now()
    comment.derive_fields()
    comment.status, comment.signals = policy.verdict(comment, now)
    comment.created = now
    if comment.status == APPROVED:
        comment.moderated_at = now
    with transaction.atomic():
        comment.save()
        if notify_replies and comment.user_id:
            replies.subscribe(comment)
        if comment.status == APPROVED:
            _shift_counts({comment.article_id: 1})
            _notify_published([comment.pk], site_url)
        elif comment.status == Comment.Status.PENDING:
            transaction.on_commit(lambda: _notify_moderators(comment.pk, site_url), robust=True)
    return comment


def approve(comments, moderator=None, notify=True, now=None, site_url=""):
    """Publishes `comments`; returns how many changed. With `notify`, the article's author
    and the readers they reply to hear of them, with links under `site_url` (as for
    `submit`)."""
    return _moderate(comments, APPROVED, moderator, now, notify=notify, site_url=site_url)


def reject(comments, moderator=None, now=None):
    """Hides `comments` for good; returns how many changed."""
    return _moderate(comments, Comment.Status.REJECTED, moderator, now)


def mark_spam(comments, moderator=None, now=None):
    """Hides `comments` as spam; returns how many changed."""
    return _moderate(comments, Comment.Status.SPAM, moderator, now)


def delete(comments):
    """Deletes `comments` and the replies under them; returns how many rows went."""
    with transaction.atomic():
        ids = set(comments.values_list("pk", flat=True))
        frontier = ids
        while frontier:  # replies go with their parent (on_delete=CASCADE); count them too
            frontier = (
                set(Comment.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - ids
            )
            ids |= frontier
        # Lock every row before reading statuses, so an approval in flight is counted.
        doomed = Comment.objects.filter(pk__in=ids)
        rows = list(doomed.select_for_update().values_list("article_id", "status"))
        lost = Counter(article_id for article_id, status in rows if status == APPROVED)
        deleted, _ = doomed.delete()
        _shift_counts({article_id: -n for article_id, n in lost.items()})
    return deleted


def _moderate(comments, status, moderator, now, notify=False, site_url=""):
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the rows first, so two moderators acting at once cannot both count a change.
        changing = list(
            Comment.objects.select_for_update()
            .filter(pk__in=list(comments.values_list("pk", flat=True)))
            .exclude(status=status)
            .values_list("pk", "article_id", "status")
        )
        if not changing:
            return 0
        ids = [pk for pk, _, _ in changing]
        Comment.objects.filter(pk__in=ids).update(
            status=status, moderated_by=moderator, moderated_at=now
        )
        deltas = Counter()
        for _, article_id, old_status in changing:
            if status == APPROVED:
                deltas[article_id] += 1
            elif old_status == APPROVED:
                deltas[article_id] -= 1
        _shift_counts(deltas)
        if notify and status == APPROVED:
            _notify_published(ids, site_url)
    return len(ids)


def _shift_counts(deltas):
    """Records, in the caller's transaction, that these articles' approved comments changed."""
    changed = [article_id for article_id, delta in deltas.items() if delta]
    for article_id in changed:
        Article.objects.filter(pk=article_id).update(
            comment_count=F("comment_count") + deltas[article_id]
        )
    # Only the article's own page shows its comments (and its stored thread, comments/threads.py);
    # listings' counts catch up with time.
    page_cache.retire(article_page(article_id) for article_id in changed)


# --- Readers' standing ------------------------------------------------------------------------
def block_readers(users, moderator=None, now=None):
    """Holds every new comment of these accounts for a moderator, without telling them; their
    comments waiting already stay waiting. Staff accounts are left alone. Returns how many
    accounts it blocked."""
    now = now or timezone.now()
    blocked = BlockedReader.objects.bulk_create(
        [
            BlockedReader(user=user, blocked_by=moderator, blocked_at=now)
            for user in users.filter(is_staff=False, comment_block__isnull=True)
        ],
        ignore_conflicts=True,  # blocked by someone else meanwhile: blocked all the same
    )
    return len(blocked)


def unblock_readers(users):
    """Treats these accounts as any other again; returns how many were blocked."""
    unblocked, _ = BlockedReader.objects.filter(user__in=users).delete()
    return unblocked


DELETED_READER = "Deleted reader"


def rename_reader(user, name):
    """A reader chose another display name (accounts/forms.py): their comments show it too,
    once the pages that show them are retired."""
    with transaction.atomic():
        comments = Comment.objects.filter(user=user)
        shown = set(comments.approved().values_list("article_id", flat=True))
        comments.exclude(name=name).update(name=name)
        page_cache.retire(article_page(article_id) for article_id in shown)


def forget_reader(user, keep_comments):
    """Before a reader's account is deleted (accounts/services.py): their comments are deleted,
    with the replies under them, or kept signed DELETED_READER with nothing left that leads
    back to them (address, account, client hash). The pages that showed their name are retired
    once this commits."""
    comments = Comment.objects.filter(user=user)
    if not keep_comments:
        return delete(comments)
    with transaction.atomic():
        shown = set(comments.approved().values_list("article_id", flat=True))
        forgotten = comments.update(
            name=DELETED_READER, email="", user=None, fingerprint="", user_agent=""
        )
        page_cache.retire(article_page(article_id) for article_id in shown)
    return forgotten


# --- E-mail: only ever to addresses from user accounts, never one typed in the form -----------
def _notify_published(comment_pks, site_url):
    """Once the approval commits: the articles' authors, then the readers replied to. Each on
    its own, so one that fails leaves the other to go."""
    transaction.on_commit(lambda: _notify_authors(comment_pks, site_url), robust=True)
    transaction.on_commit(lambda: _notify_subscribers(comment_pks, site_url), robust=True)


def moderator_addresses():
    users = (
        get_user_model()
        .objects.with_perm(
            "comments.can_moderate",
            is_active=True,
            include_superusers=True,
            # Permissions live in the model backend; with_perm() refuses to guess among several.
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .filter(is_staff=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def _notify_moderators(comment_pk, site_url):
    comment = Comment.objects.select_related("article").get(pk=comment_pk)
    queue = reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    subject = f"Comment awaiting moderation: {comment.article.title}"[:150]
    body = (
        f"{comment.name} commented on “{comment.article.title}”:\n\n{comment.body}\n\n"
        f"Approve, reject or mark it as spam: {_absolute(queue, site_url)}\n"
    )
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in moderator_addresses()
    ]
    send_mass_mail(messages)


def _notify_authors(comment_pks, site_url):
    by_article = defaultdict(list)
    approved = Comment.objects.approved().filter(pk__in=comment_pks)
    for comment in approved.select_related("article__author").order_by("created", "id"):
        by_article[comment.article].append(comment)
    messages = []
    for article, comments in by_article.items():
        author = article.author
        if not (author.is_active and author.is_staff and author.email):
            continue
        lines = [
            f"{c.name}: {c.body}\n{_absolute(c.get_absolute_url(), site_url)}" for c in comments
        ]
        messages.append(
            (
                f"New comment{'s' if len(comments) > 1 else ''} on “{article.title}”"[:150],
                "Published on your article:\n\n" + "\n\n".join(lines) + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [author.email],
            )
        )
    send_mass_mail(messages)


def _notify_subscribers(comment_pks, site_url):
    """Mails each subscriber the approved replies to their comments among `comment_pks`: one
    e-mail per article, at most one per REPLY_EMAIL_INTERVAL (comments/replies.py)."""
    waiting = defaultdict(list)
    approved = Comment.objects.approved().filter(pk__in=comment_pks, parent__user__isnull=False)
    for reply in approved.select_related("parent", "article").order_by("created", "id"):
        if reply.user_id != reply.parent.user_id:  # never for a reader's reply to themselves
            waiting[reply.parent.user_id, reply.article_id].append(reply)
    if not waiting:
        return
    wanted = Q()
    for user_id, article_id in waiting:
        wanted |= Q(user_id=user_id, article_id=article_id)
    now = timezone.now()
    claimed = []
    for subscription in ReplySubscription.objects.filter(wanted).select_related("user"):
        user = subscription.user
        if (
            user.is_active
            and moderation.is_verified(user)
            and _claim_reply_email(subscription, now)
        ):
            found = waiting[subscription.user_id, subscription.article_id]
            claimed.append((subscription, _reply_message(user, found, site_url)))
    if claimed:
        _send_reply_emails(claimed, now)


def _claim_reply_email(subscription, now):
    """Takes the interval's one e-mail for `subscription`: one UPDATE, so of two approvals at
    once only one can take it. False when it was taken already."""
    due = Q(last_sent_at__isnull=True) | Q(
        last_sent_at__lte=now - settings.COMMENTS["REPLY_EMAIL_INTERVAL"]
    )
    return ReplySubscription.objects.filter(due, pk=subscription.pk).update(last_sent_at=now) == 1


def _send_reply_emails(claimed, now):
    """Sends each claimed e-mail on its own, so one that fails (the mail server away) gives
    its claim back and the reader's next approved reply mails them, instead of the interval
    passing in silence. The first error is raised once every e-mail was tried, for the
    on-commit hook to log."""
    error = None
    connection = get_connection()
    try:
        connection.open()
        opened = True
    except Exception as exc:  # whatever the backend raises: nothing can go
        error, opened = exc, False
    for subscription, message in claimed:
        sent = 0
        if opened:
            try:
                sent = connection.send_messages([message])
            except Exception as exc:
                error = error or exc
        if not sent:
            _give_back_reply_email(subscription, now)
    if opened:
        connection.close()
    if error is not None:
        raise error


def _give_back_reply_email(subscription, now):
    """Undoes `_claim_reply_email`: one UPDATE that restores the time of the last e-mail sent
    only while the claim is still this one, so it never undoes another approval's claim."""
    ReplySubscription.objects.filter(pk=subscription.pk, last_sent_at=now).update(
        last_sent_at=subscription.last_sent_at
    )


def _reply_message(user, found, site_url):
    article = found[0].article
    unsubscribe = _absolute(replies.unsubscribe_path(user.pk, article.pk), site_url)
    hours = round(settings.COMMENTS["REPLY_EMAIL_INTERVAL"].total_seconds() / 3600)
    body = (
        "\n\n".join(
            f"{reply.name} replied to your comment on “{article.title}”:\n\n{reply.body}\n"
            f"{_absolute(reply.get_absolute_url(), site_url)}"
            for reply in found
        )
        + "\n\nYou asked to hear of replies to your comments on this article; we write at "
        f"most once in {hours} hours.\nStop these e-mails: {unsubscribe}\n"
    )
    return EmailMessage(
        f"New repl{'ies' if len(found) > 1 else 'y'} to your comment on “{article.title}”"[:150],
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        # One click in the mail client unsubscribes (RFC 8058): it POSTs to the link.
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _absolute(path, site_url):
    """The one place that makes links for e-mails: under the canonical LIFESCOPE_SITE_URL when
    it is set, else under the address the request reached the site at (relative only for
    changes made outside a request, e.g. in a shell, on a site without LIFESCOPE_SITE_URL)."""
    return (settings.COMMENTS["SITE_URL"] or site_url).rstrip("/") + path
