"""What happens to comments beyond saving a row, shared by the posting view and the admin.

Every change of a comment's approval goes through here, so `Article.comment_count` stays the
exact number of approved comments, in the change's transaction, and the article's page and
stored thread are retired once it commits (lifescope/page_cache.py): only for comments whose
approval actually changed.
"""

from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, article_page
from comments.models import BlockedReader, Comment
from comments.moderation import policy
from lifescope import page_cache

APPROVED = Comment.Status.APPROVED


def submit(comment, now=None, site_url=""):
    """Stores a reader's new comment in the status the policy gives it, and tells whoever
    must know: moderators when it waits for them, the article's author when it is published.

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
        if comment.status == APPROVED:
            _shift_counts({comment.article_id: 1})
            transaction.on_commit(lambda: _notify_authors([comment.pk], site_url), robust=True)
        elif comment.status == Comment.Status.PENDING:
            transaction.on_commit(lambda: _notify_moderators(comment.pk, site_url), robust=True)
    return comment


def approve(comments, moderator=None, notify=True, now=None, site_url=""):
    """Publishes `comments`; returns how many changed. The article's author hears of them,
    with links under `site_url` (as for `submit`)."""
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
            transaction.on_commit(lambda: _notify_authors(ids, site_url), robust=True)
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


# --- E-mail: only ever to addresses from user accounts, never one typed in the form -----------
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


def _absolute(path, site_url):
    """The one place that makes links for e-mails: under the canonical LIFESCOPE_SITE_URL when
    it is set, else under the address the request reached the site at (relative only for
    changes made outside a request, e.g. in a shell, on a site without LIFESCOPE_SITE_URL)."""
    return (settings.COMMENTS["SITE_URL"] or site_url).rstrip("/") + path
