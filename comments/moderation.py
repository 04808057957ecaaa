"""The moderation policy: every rule about who may comment, when, and what is held back.

One object, in the spirit of django-contrib-comments' `CommentModerator`. The view and the form
ask it questions; none of them decides a rule of their own. Figures come from
`settings.COMMENTS`, read on each call so a changed setting takes effect without a restart.
"""

import re
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from comments.models import Comment, RateLimitWindow
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

    def take_rate_limit_slot(self, fingerprint):
        """Counts one posting attempt for the client; False once it is over the limit.

        `cache.add` then `cache.incr` are each atomic in Redis, so processes never lose a count.
        While Redis cannot answer (django-redis then returns None) the database counts instead:
        an outage must not open the door to floods.
        """
        seconds = self.config["RATE_LIMIT_SECONDS"]
        key = f"comments:rate:{fingerprint}"
        count = None
        if cache.add(key, 0, timeout=seconds) is not None:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: this attempt starts a new window
                cache.add(key, 1, timeout=seconds)
                count = 1
        if count is None:
            count = count_attempt_in_database(fingerprint, seconds)
        return count <= self.config["RATE_LIMIT_POSTS"]

    @property
    def retry_after_seconds(self):
        return self.config["RATE_LIMIT_SECONDS"]

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
        """The status a new comment starts in, and the reasons, as (status, signals text)."""
        signals = self.spam_signals(comment)
        if signals:
            return Comment.Status.SPAM, "; ".join(signals)
        if self.is_returning_commenter(comment):
            return Comment.Status.APPROVED, "auto-approved: earlier comment approved"
        if self.is_unmoderated_article(comment.article, now):
            days = self.config["MODERATE_AFTER_DAYS"]
            return Comment.Status.APPROVED, f"auto-approved: article under {days} days old"
        return Comment.Status.PENDING, ""

    def is_returning_commenter(self, comment):
        if not self.config["AUTO_APPROVE_RETURNING"]:
            return False
        if comment.user_id:
            earlier = Q(user_id=comment.user_id)
        else:
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


# One statement, so concurrent attempts of one client each land exactly once (no read-then-write
# race); a window that has passed starts again at 1. The ORM's upserts cannot increment, hence
# SQL, which PostgreSQL and SQLite (3.35+) both run as written.
_COUNT_ATTEMPT_SQL = """
INSERT INTO {table} (fingerprint, started, attempts) VALUES (%s, %s, 1)
ON CONFLICT (fingerprint) DO UPDATE SET
    attempts = CASE WHEN {table}.started > %s THEN {table}.attempts + 1 ELSE 1 END,
    started = CASE WHEN {table}.started > %s THEN {table}.started ELSE excluded.started END
RETURNING attempts
"""


def count_attempt_in_database(fingerprint, seconds):
    """Counts a posting attempt in `RateLimitWindow`; returns the attempts in the client's
    window, this one included. The window starts at its first attempt, as the Redis key's does.
    """
    now = int(time.time())
    ended_before = now - seconds
    table = connection.ops.quote_name(RateLimitWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_ATTEMPT_SQL.format(table=table), [fingerprint, now, ended_before, ended_before]
        )
        (attempts,) = cursor.fetchone()
    if attempts == 1:
        # A window begins: rows of windows that have ended count for nothing any more.
        RateLimitWindow.objects.filter(started__lte=ended_before).delete()
    return attempts
