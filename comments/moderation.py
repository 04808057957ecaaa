"""The moderation policy: every rule about who may comment, when, and what is held back.

One object, in the spirit of django-contrib-comments' `CommentModerator`. The view and the form
ask it questions; none of them decides a rule of their own. Figures come from
`settings.COMMENTS`, read on each call so a changed setting takes effect without a restart.
"""

import math
import re
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from comments.models import BlockedReader, Comment, RateLimitWindow
from lifescope.client import client_ip


class ModerationPolicy:
    @property
    def config(self):
        return settings.COMMENTS

    # --- Is the article taking comments? -------------------------------------------------------
    def closed_reason(self, article, now=None):
        """Why `article` takes no new comments, for the reader; None while it is open."""
        now = now or timezone.now()
        if not article.is_public:
            return "Comments open when the article is published."
        if not article.comments_open:
            return "Comments are closed on this article."
        days = self.config["CLOSE_AFTER_DAYS"]
        if days is not None and article.published_at < now - timedelta(days=days):
            return f"Comments close {days} days after publication; this article is older."
        return None

    # --- Refusals: the reader sees an error and nothing is stored -------------------------------
    def timing_error(self, rendered_at, now=None):
        """A form sent back faster than a person can type, or too long after it was shown."""
        age = (now or timezone.now()).timestamp() - rendered_at
        if age < self.config["MIN_SECONDS_TO_SUBMIT"]:
            return "That was quicker than we expected. Please wait a few seconds and send again."
        if age > self.config["FORM_MAX_AGE_SECONDS"]:
            return "This form has expired. Please reload the page and write your comment again."
        return None

    def honeypot_error(self, value):
        if value:
            return (
                "Your comment was not accepted: the field labelled “Leave this field empty” "
                "was filled in, perhaps by your browser. Please send it again."
            )
        return None

    # --- Rate limits: two budgets per client, counted in windows of RATE_LIMIT_SECONDS ---------
    # Posting spends one budget, being refused another, so a reader who mistypes loses none of
    # the comments they may post, while a client that floods, with either, is answered 429.
    def count_refusal(self, fingerprint):
        """Counts an attempt refused for a mistake the reader can fix (too short, no name, too
        fast, an expired form...). Beyond RATE_LIMIT_REFUSALS in a window the client is
        flooding: returns why it must wait, for the reader; None while it may go on."""
        return self._flooding(fingerprint, add=1)

    def count_post(self, fingerprint):
        """Counts a comment about to be stored; returns why it must wait instead, for the
        reader, once the client has posted RATE_LIMIT_POSTS in the window or is flooding."""
        flooding = self._flooding(fingerprint, add=0)
        if flooding:
            return flooding
        limit, seconds = self.config["RATE_LIMIT_POSTS"], self.retry_after_seconds
        if count_attempt(POSTS, fingerprint, seconds) > limit:
            return self._wait(
                f"You have posted {limit} comments in the last {_minutes(seconds)}, as many as "
                "one reader may."
            )
        return None

    def _flooding(self, fingerprint, add):
        limit, seconds = self.config["RATE_LIMIT_REFUSALS"], self.retry_after_seconds
        if count_attempt(REFUSALS, fingerprint, seconds, add) <= limit:
            return None
        return self._wait(
            f"More than {limit} comments from your connection could not be posted in the last "
            f"{_minutes(seconds)}."
        )

    @property
    def retry_after_seconds(self):
        """At most this long until a budget is renewed: its window began at its first attempt."""
        return self.config["RATE_LIMIT_SECONDS"]

    def _wait(self, why):
        return f"{why} You can send your comment again in {_minutes(self.retry_after_seconds)}."

    def earlier_copy(self, comment):
        """The reader's earlier comment with the same words on the same article, whatever
        became of it, or None."""
        same_reader = Q(fingerprint=comment.fingerprint)
        # An empty address (a signed-in reader without one) would match every other such reader.
        if comment.email:
            same_reader |= Q(email__iexact=comment.email)
        if comment.user_id:
            same_reader |= Q(user_id=comment.user_id)
        return (
            Comment.objects.filter(article_id=comment.article_id, body=comment.body)
            .filter(same_reader)
            .order_by("created", "id")
            .first()
        )

    # --- Verdict for a comment that was accepted -------------------------------------------------
    def spam_signals(self, comment):
        """What makes `comment` look like spam, in words a moderator can check."""
        signals = []
        links, limit = comment.link_count, self.config["MAX_LINKS"]
        if links > limit:
            signals.append(f"{links} links (limit {limit})")
        blocked = self._blocklist_re()
        if blocked:
            words = sorted(
                {m.casefold() for m in blocked.findall(f"{comment.name}\n{comment.body}")}
            )
            if words:
                signals.append("blocked words: " + ", ".join(words))
        return signals

    def verdict(self, comment, now=None):
        """The status a new comment starts in, and the reasons, as (status, signals text).

        By the writer's standing: a moderator is published at once; a blocked account is held
        for a moderator, whatever it writes; a trusted reader (`is_trusted`) is published at
        once unless the words look like spam. Everyone else, anonymous or signed in but new
        or unverified, goes through the same rules: spam signals, the returning reader, the
        article's age.
        """
        # Moderators would only approve their own comment: even one with words held as spam.
        if self.is_moderator(comment.user):
            return Comment.Status.APPROVED, "auto-approved: posted by a moderator"
        signals = self.spam_signals(comment)
        # Held as any comment awaiting moderation, so its author is not told (comments/pending.py).
        if comment.user_id and self.is_blocked(comment.user):
            return Comment.Status.PENDING, "; ".join(["held: account blocked", *signals])
        if signals:
            return Comment.Status.SPAM, "; ".join(signals)
        if comment.user_id and self.is_trusted(comment.user):
            approved = self.config["TRUSTED_AFTER_APPROVED"]
            return (
                Comment.Status.APPROVED,
                f"auto-approved: trusted reader, at least {approved} comments approved",
            )
        if self.is_returning_commenter(comment):
            return Comment.Status.APPROVED, "auto-approved: earlier comment approved"
        if self.is_unmoderated_article(comment.article, now):
            days = self.config["MODERATE_AFTER_DAYS"]
            return Comment.Status.APPROVED, f"auto-approved: article under {days} days old"
        return Comment.Status.PENDING, ""

    def is_moderator(self, user):
        """Staff who may moderate comments, as the admin's queue and its e-mails have them."""
        return user is not None and user.is_staff and user.has_perm("comments.can_moderate")

    def is_blocked(self, user):
        """A moderator blocked this account (comments.services.block_readers)."""
        return BlockedReader.objects.filter(user_id=user.pk).exists()

    def is_trusted(self, user):
        """A reader whose address is verified and who had TRUSTED_AFTER_APPROVED comments
        approved under their account; 0 trusts nobody."""
        needed = self.config["TRUSTED_AFTER_APPROVED"]
        if not needed or not is_verified(user):
            return False
        approved = Comment.objects.approved().filter(user_id=user.pk)
        return approved[:needed].count() == needed

    def is_returning_commenter(self, comment):
        """Had a comment approved under the same e-mail address, from the same client: the
        rule for anyone without a trusted account, signed in or not."""
        if not (self.config["AUTO_APPROVE_RETURNING"] and comment.email):
            return False
        earlier = Q(email__iexact=comment.email, fingerprint=comment.fingerprint)
        return Comment.objects.approved().filter(earlier).exists()

    def is_unmoderated_article(self, article, now=None):
        days = self.config["MODERATE_AFTER_DAYS"]
        if days is None:
            return False
        return article.published_at > (now or timezone.now()) - timedelta(days=days)

    # --- Who is the client? --------------------------------------------------------------------
    def client_fingerprint(self, request):
        """A keyed hash of the client's address: stable for rate limits, useless to a thief
        without the secret key."""
        return salted_hmac("comments.client", client_ip(request), algorithm="sha256").hexdigest()

    def _blocklist_re(self):
        words = [w.strip() for w in self.config["BLOCKLIST"] if w.strip()]
        if not words:
            return None
        alternatives = "|".join(re.escape(w) for w in words)
        return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


policy = ModerationPolicy()


def is_verified(user):
    """Whether `user` has proved they own their account's e-mail address, as django-allauth
    records it (`EmailAddress.verified`): the one question trust and reply e-mails ask. Staff
    accounts are made by an administrator, who vouches for their address.
    """
    if not user.email:
        return False
    return (
        user.is_staff
        or EmailAddress.objects.filter(
            user_id=user.pk, email__iexact=user.email, verified=True
        ).exists()
    )


def _minutes(seconds):
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- Counting attempts ------------------------------------------------------------------------
POSTS, REFUSALS = RateLimitWindow.Budget.POSTS, RateLimitWindow.Budget.REFUSALS

# Caches whose `add` and `incr` are atomic for every process and host that uses them. With any
# other, each process would count alone: the in-process LocMemCache of the embedded setup gave
# each of `make serve`'s three workers a limit of its own (13 of 30 posts from one client were
# taken at a limit of 5); a file cache's `incr` reads then writes, and loses counts.
SHARED_CACHES = frozenset(
    {
        "django_redis.cache.RedisCache",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    }
)


def count_attempt(budget, fingerprint, seconds, add=1):
    """Adds `add` (1, or 0 to read) to the client's count in `budget`; returns the count in the
    client's window, which began with its first attempt and lasts `seconds`.

    The one place that decides where counts live: in the cache when every process shares it,
    otherwise in the database (`RateLimitWindow`). While Redis cannot answer (django-redis then
    returns None) the database counts too: an outage must not open the door to floods.
    """
    if settings.CACHES["default"]["BACKEND"] in SHARED_CACHES:
        count = _count_in_cache(f"comments:rate:{budget}:{fingerprint}", seconds, add)
        if count is not None:
            return count
    return count_attempt_in_database(budget, fingerprint, seconds, add)


def _count_in_cache(key, seconds, add):
    """`cache.add` then `cache.incr`, each atomic in Redis and Memcached: no count is lost."""
    if cache.add(key, 0, timeout=seconds) is None:
        return None
    try:
        return cache.incr(key, add)
    except ValueError:  # expired between add and incr: this attempt starts a new window
        cache.add(key, add, timeout=seconds)
        return add


# One statement, so concurrent attempts of one client each land exactly once (no read-then-write
# race); a window that has passed starts again. The ORM's upserts cannot increment, hence SQL,
# which PostgreSQL and SQLite (3.35+) both run as written.
_COUNT_ATTEMPT_SQL = """
INSERT INTO {table} (budget, fingerprint, started, attempts) VALUES (%s, %s, %s, %s)
ON CONFLICT (fingerprint, budget) DO UPDATE SET
    attempts = CASE WHEN {table}.started > %s THEN {table}.attempts + %s ELSE %s END,
    started = CASE WHEN {table}.started > %s THEN {table}.started ELSE excluded.started END
RETURNING attempts, started
"""


def count_attempt_in_database(budget, fingerprint, seconds, add=1):
    """`count_attempt` in `RateLimitWindow`, whatever the cache."""
    now = int(time.time())
    ended_before = now - seconds
    table = connection.ops.quote_name(RateLimitWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_ATTEMPT_SQL.format(table=table),
            [budget, fingerprint, now, add, ended_before, add, add, ended_before],
        )
        attempts, started = cursor.fetchone()
    if started == now:
        # A window begins: rows of windows that have ended count for nothing any more.
        RateLimitWindow.objects.filter(started__lte=ended_before).delete()
    return attempts
