from django.conf import settings
from django.db import models
from django.urls import reverse

from articles.models import Article


class Revision(models.Model):
    """An article as an editor saved it: who, when, what changed, and every editable field."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    # The article's version this save produced; a baseline taken before the first tracked edit
    # carries the version it had then.
    version = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="article_revisions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_fields = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("restore_revision", "Can restore an earlier revision of an article")]
        indexes = [models.Index(fields=["article", "-created_at"], name="revision_article_idx")]

    def __str__(self):
        return f"{self.article} — revision {self.pk}"

    def get_absolute_url(self):
        return reverse("admin:articles_article_revision", args=[self.article_id, self.pk])

    @property
    def author_name(self):
        if self.author is None:
            return "an unknown editor"
        return self.author.get_full_name() or self.author.get_username()
