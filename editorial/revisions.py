"""Keeping, comparing and restoring the versions of an article that editors saved."""

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from articles import services
from articles.models import Article, Section
from editorial.models import Revision

# Everything an editor can change in the admin form, in the form's order.
TRACKED_FIELDS = [
    "title", "slug", "standfirst", "body", "hero_image", "hero_alt", "hero_caption",
    "hero_credit", "section", "tags", "author", "byline", "featured", "status", "published_at",
    "seo_description", "correction", "comments_open", "popular_pinned", "popular_excluded",
]  # fmt: skip
# Restoring these publishes or unpublishes, which only people allowed to publish may do.
PUBLISHING_FIELDS = ["status", "published_at"]
_TOKENS = re.compile(r"<[^>]*>|\s+|[^\s<]+")


class StaleArticle(Exception):
    """The article's version moved on since the editor loaded it."""


def snapshot(article):
    """The tracked fields of `article` as JSON-ready values (tags as sorted names)."""
    data = {}
    for name in TRACKED_FIELDS:
        if name == "tags":
            data[name] = sorted(tag.name for tag in article.tags.all())
        elif name in ("section", "author"):
            data[name] = getattr(article, f"{name}_id")
        elif name == "hero_image":
            data[name] = article.hero_image.name or ""
        elif name == "published_at":
            # To the second, as the admin shows and posts it.
            when = article.published_at
            data[name] = when.replace(microsecond=0).isoformat() if when else None
        else:
            data[name] = getattr(article, name)
    return data


def claim_version(article, loaded_version):
    """Move `article` on from `loaded_version`, or raise StaleArticle if someone else did.

    One conditional UPDATE: under concurrency only one of two saves of the same version matches
    the row, the other updates nothing, whichever database runs it.
    """
    claimed = Article.objects.filter(pk=article.pk, version=loaded_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise StaleArticle(article.pk)
    article.version = loaded_version + 1


def ensure_baseline(article_id):
    """Record the stored article as a revision if it has none, so its first edit loses nothing."""
    if Revision.objects.filter(article_id=article_id).exists():
        return
    stored = Article.objects.prefetch_related("tags").get(pk=article_id)
    Revision.objects.create(
        article=stored,
        version=stored.version,
        author=None,
        snapshot=snapshot(stored),
        note="As it was before revisions were kept",
    )


def record(article, user, note=""):
    """Keep `article` as saved by `user`, noting which fields differ from its last revision."""
    current = snapshot(article)
    previous = Revision.objects.filter(article=article).only("snapshot").first()
    if previous is None:
        changed = [name for name in TRACKED_FIELDS if current[name] not in ("", None, [], False)]
    else:
        changed = [name for name in TRACKED_FIELDS if previous.snapshot.get(name) != current[name]]
    return Revision.objects.create(
        article=article,
        version=article.version,
        author=user,
        changed_fields=changed,
        snapshot=current,
        note=note,
    )


def latest_change(article):
    """(who, when) of the newest revision, or of the article's last save when it has none."""
    revision = article.revisions.select_related("author").first()
    if revision is None:
        return "another editor", article.updated_at
    return revision.author_name, revision.created_at


@dataclass
class FieldDiff:
    name: str
    label: str
    # (operation, text) pairs: "equal", "insert" or "delete"; text is shown escaped.
    segments: list


def diff(older, newer):
    """What changed from revision `older` to `newer`, one FieldDiff per changed field."""
    fields = Article._meta
    diffs = []
    for name in TRACKED_FIELDS:
        before, after = older.snapshot.get(name), newer.snapshot.get(name)
        if before == after:
            continue
        label = "tags" if name == "tags" else fields.get_field(name).verbose_name
        diffs.append(
            FieldDiff(name, label, _segments(_display(name, before), _display(name, after)))
        )
    return diffs


def _display(name, value):
    if name == "tags":
        return ", ".join(value or [])
    if name == "section" and value:
        return Section.objects.filter(pk=value).values_list("name", flat=True).first() or "?"
    if name == "author" and value:
        user = Article._meta.get_field("author").related_model.objects.filter(pk=value).first()
        return (user.get_full_name() or user.get_username()) if user else "?"
    if name == "published_at" and value:
        return parse_datetime(value).strftime("%d %b %Y %H:%M %Z")
    if value in (None, ""):
        return ""
    return str(value)


def _segments(before, after):
    """A word-level diff; markup tags count as words, so formatting changes show too."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(old[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(new[j1:j2])))
        if op == "equal":
            segments.append(("equal", "".join(old[i1:i2])))
    return segments


def restore(revision, user):
    """Put `revision`'s fields back on its article as a new revision by `user`.

    Publishing fields are left alone for people who may not publish. A hero image whose file is
    gone keeps the current one. Bumps the version, so editors with the article open are warned.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=revision.article_id)
        services.changing([article.pk])
        ensure_baseline(article.pk)
        fields = [name for name in TRACKED_FIELDS if name != "tags"]
        if not user.has_perm("articles.publish_article"):
            fields = [name for name in fields if name not in PUBLISHING_FIELDS]
        data = revision.snapshot
        for name in fields:
            if name not in data:
                continue
            if name in ("section", "author"):
                related = Article._meta.get_field(name).related_model
                if related.objects.filter(pk=data[name]).exists():
                    setattr(article, f"{name}_id", data[name])
            elif name == "hero_image":
                if not data[name] or article.hero_image.storage.exists(data[name]):
                    article.hero_image = data[name]
            elif name == "published_at":
                article.published_at = parse_datetime(data[name]) if data[name] else None
            else:
                setattr(article, name, data[name])
        claim_version(article, article.version)
        article.save()
        article.tags.set(data.get("tags", []))
        new = record(article, user, note=f"Restored the revision of {_when(revision)}")
    return new


def _when(revision):
    return revision.created_at.strftime("%d %b %Y %H:%M")
