"""Keeping and restoring the versions of an article that editors saved (comparing them:
editorial.diffs).

A restore brings back the words (WORDS) and leaves everything else as it is: whether and when
the article is published, its address and its correction change only for the fields the editor
ticks (OPTIONAL), so going back to earlier words never takes a live article offline or drops a
correction readers were owed. The restore is itself a revision, so restoring the revision
before it undoes it.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import services
from articles.models import Article
from editorial import diffs
from editorial.models import Revision

# Everything an editor can change in the admin form, in the form's order.
TRACKED_FIELDS = [
    "title", "slug", "standfirst", "body", "hero_image", "hero_alt", "hero_caption",
    "hero_credit", "section", "tags", "author", "byline", "featured", "status", "published_at",
    "seo_description", "correction", "comments_open", "popular_pinned", "popular_excluded",
]  # fmt: skip
# What a restore brings back: the words readers read, and the hero image with the words that
# describe it. The SEO description goes with them: it stands in for the standfirst in search
# results and share cards, so it must describe the same text.
WORDS = [
    "title", "standfirst", "body", "hero_image", "hero_alt", "hero_caption", "hero_credit",
    "tags", "seo_description",
]  # fmt: skip
HERO_FIELDS = ["hero_image", "hero_alt", "hero_caption", "hero_credit"]
# Restored only when the editor ticks them: they decide whether readers see the article, where,
# and what it owns up to.
OPTIONAL = ["status", "published_at", "slug", "correction"]
# Restoring these publishes or unpublishes, which only people allowed to publish may do.
PUBLISHING_FIELDS = ["status", "published_at"]


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


def diff(older, newer):
    """What changed from revision `older` to `newer`, one FieldDiff per changed field, as stored."""
    return [
        diffs.as_stored(name, older.snapshot.get(name), newer.snapshot.get(name))
        for name in TRACKED_FIELDS
        if older.snapshot.get(name) != newer.snapshot.get(name)
    ]


@dataclass
class Choice:
    """A field a restore leaves alone unless the editor ticks it."""

    name: str
    label: str
    now: str
    then: str
    consequence: str = ""


@dataclass
class RestorePlan:
    """What restoring `revision` would do to its article as it is now."""

    article: Article
    revision: Revision
    changes: list = field(default_factory=list)  # FieldDiffs of the words that come back
    choices: list = field(default_factory=list)  # Choices the user may tick
    kept: list = field(default_factory=list)  # labels of other fields that differ and stay
    image_gone: bool = False  # the revision's hero image is no longer stored


def plan_restore(revision, user):
    """The RestorePlan for `user` restoring `revision`, against the article as stored now.

    Compared with the stored article, not its newest revision: the publish actions change the
    status without keeping a revision.
    """
    article = Article.objects.prefetch_related("tags").get(pk=revision.article_id)
    now, then = snapshot(article), revision.snapshot
    plan = RestorePlan(article, revision, image_gone=_image_gone(article, then))
    may_publish = user.has_perm("articles.publish_article")
    for name in TRACKED_FIELDS:
        if name not in then or then[name] == now[name]:
            continue
        if name in WORDS and not (plan.image_gone and name in HERO_FIELDS):
            plan.changes.append(diffs.as_read(name, now[name], then[name]))
        elif name in OPTIONAL and (may_publish or name not in PUBLISHING_FIELDS):
            plan.choices.append(_choice(article, name, now[name], then[name]))
        else:
            plan.kept.append(diffs.label(name))
    order = {name: position for position, name in enumerate(OPTIONAL)}
    plan.choices.sort(key=lambda choice: order[choice.name])
    return plan


def _image_gone(article, data):
    name = data.get("hero_image")
    return bool(name) and not article.hero_image.storage.exists(name)


def _choice(article, name, now, then):
    consequence = ""
    if name == "status":
        if then == Article.Status.DRAFT and article.is_public:
            consequence = "Readers would lose the page at once."
        elif then == Article.Status.PUBLISHED:
            consequence = "The article would be published."
    elif name == "published_at":
        consequence = _time_consequence(article, parse_datetime(then) if then else None)
    elif name == "slug":
        consequence = "The article's address would change; links to the current one would break."
    elif name == "correction" and now and not then:
        consequence = "Readers would no longer see the correction."
    now, then = diffs.display(name, now), diffs.display(name, then)
    if name == "correction":
        now, then = (f"“{text}”" if text else "" for text in (now, then))
    return Choice(name, diffs.label(name), now, then, consequence)


def _time_consequence(article, then):
    if article.status != Article.Status.PUBLISHED:
        return ""
    if then is None:
        return "A published article with no time takes the time of the restore."
    if then > timezone.now():
        return "Readers would lose the page until then." if article.is_public else ""
    return "The article would go out at once." if article.is_scheduled else ""


def restore(revision, user, *, loaded_version, also=()):
    """Put `revision`'s words back on its article as a new revision by `user`.

    Of OPTIONAL, only the fields named in `also` come back, and the publishing ones only for
    people who may publish. A hero image whose file is gone keeps the current one with its
    alt text, caption and credit. Raises StaleArticle unless the article is still at
    `loaded_version`, the version the user confirmed against; bumps it, so editors with the
    article open are warned.
    """
    also = set(also)
    if not user.has_perm("articles.publish_article"):
        also -= set(PUBLISHING_FIELDS)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=revision.article_id)
        services.changing([article.pk])
        ensure_baseline(article.pk)
        data = revision.snapshot
        fields = [name for name in WORDS + OPTIONAL if name in data]
        fields = [name for name in fields if name in WORDS or name in also]
        if _image_gone(article, data):
            fields = [name for name in fields if name not in HERO_FIELDS]
        for name in fields:
            if name == "published_at":
                article.published_at = parse_datetime(data[name]) if data[name] else None
            elif name != "tags":
                setattr(article, name, data[name])
        claim_version(article, loaded_version)
        article.save()
        if "tags" in fields:
            article.tags.set(data["tags"])
        new = record(article, user, note=f"Restored from the revision of {saved_on(revision)}")
    return new


def saved_on(revision):
    """When `revision` was saved, as the history and notes show it."""
    return timezone.localtime(revision.created_at).strftime("%d %b %Y %H:%M")
