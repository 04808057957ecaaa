from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from lifescope.sanitize import plain_text_to_html


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """The only gate for what readers may see of comments."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def for_article_page(self, article):
        """An article's approved comments in reading order, in one query, ready to thread."""
        return (
            self.approved()
            .filter(article=article)
            .only("article_id", "parent_id", "name", "body_html", "created", "depth")
            .order_by("created", "id")
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        help_text="Set when a signed-in reader wrote the comment.",
    )
    name = models.CharField(max_length=80)
    email = models.EmailField(help_text="Never shown on the site.")
    body = models.TextField(help_text="Plain text as the reader wrote it.")
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why the policy decided what it did, for the moderator: "3 links", "blocked word: …".
    signals = models.CharField("spam signals", max_length=255, blank=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the client's address: enough to rate-limit and spot repeats, never the IP.
    fingerprint = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        permissions = [("can_moderate", "Can approve, reject and mark comments as spam")]
        indexes = [
            models.Index(
                fields=["article", "created"],
                condition=Q(status="approved"),
                name="comment_approved_idx",
            ),
            models.Index(
                fields=["created"], condition=Q(status="pending"), name="comment_queue_idx"
            ),
            models.Index(fields=["status", "-created"], name="comment_status_idx"),
            models.Index(fields=["fingerprint", "email"], name="comment_client_idx"),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}"

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return (
            reverse("articles:detail", kwargs={"slug": self.article.slug}) + f"#comment-{self.pk}"
        )

    @property
    def link_count(self):
        # The body is escaped before links are added, so every "<a " is a link the policy made.
        return self.body_html.count("<a ")

    def derive_fields(self):
        """Fills the fields that follow from what the reader wrote; the policy reads them."""
        self.body_html = plain_text_to_html(self.body)
        self.depth = self.parent.depth + 1 if self.parent_id else 0


class RateLimitWindow(models.Model):
    """A client's count in one rate-limit budget (comments posted, attempts refused) for the
    window that began with its first attempt. Kept here whenever the cache cannot count for
    every process: without a shared cache (Redis), and while Redis cannot answer.

    One row per client and budget: `comments.moderation` counts with one atomic upsert that
    restarts the window once it has passed, so processes never lose or double a count.
    """

    class Budget(models.TextChoices):
        POSTS = "posts", "Comments posted"
        REFUSALS = "refusals", "Attempts refused"

    budget = models.CharField(max_length=10, choices=Budget.choices)
    fingerprint = models.CharField(max_length=64)
    # Epoch seconds of the window's first attempt; integers keep the raw upsert portable.
    started = models.BigIntegerField()
    attempts = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["started"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "budget"], name="rate_limit_window_client_uniq"
            )
        ]
        indexes = [models.Index(fields=["started"], name="rate_limit_window_age_idx")]

    def __str__(self):
        return f"{self.fingerprint[:8]}…: {self.attempts} {self.budget} since {self.started}"


class ReplySubscription(models.Model):
    """A reader's wish to be e-mailed when someone replies to their comments on an article.

    One row per reader and article, the article's comments being one thread on this site
    (comments/threads.py): so "at most one e-mail per thread per day" is one conditional
    update of `last_sent_at`, which two approvals at once cannot both pass. comments/replies.py
    tells the whole path.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_subscriptions"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="reply_subscription_uniq")
        ]

    def __str__(self):
        return f"{self.user} follows replies on {self.article}"


class BlockedReader(models.Model):
    """An account whose new comments are all held for a moderator; its author is not told.

    Unblocking deletes the row: the account is then treated as any other again.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="comment_block",
    )
    blocked_at = models.DateTimeField(default=timezone.now)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-blocked_at"]

    def __str__(self):
        return f"{self.user} blocked since {self.blocked_at:%Y-%m-%d}"
