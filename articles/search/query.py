"""What every search backend shares: the reader's query, the scope searched and a hit."""

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from articles.models import Article, Section

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# Private-use characters mark highlights inside the database's output; everything else is
# escaped before they become <mark> tags, and they are removed from indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """A reader's query reduced to words, which every backend can run safely: quotes make a
    phrase, a leading minus leaves a word out, and any other syntax is only text."""

    phrases: tuple  # tuples of lower-cased words that must appear together
    excluded: tuple  # words that must not appear

    @classmethod
    def parse(cls, raw):
        text = " ".join(CONTROL_CHARACTERS.sub(" ", raw or "").split())[:MAX_QUERY_CHARS]
        phrases, excluded, budget = [], [], MAX_TERMS
        for match in QUERY_PART.finditer(text):
            negated = bool(match[1] or match[3])
            words = tuple(WORD.findall((match[2] or match[4] or "").lower()))[:budget]
            if not words:
                continue
            budget -= len(words)
            if negated:
                excluded.extend(words)
            else:
                phrases.append(words)
            if budget <= 0:
                break
        return cls(tuple(phrases), tuple(excluded))

    @property
    def terms(self):
        return [word for phrase in self.phrases for word in phrase]

    @property
    def has_phrase(self):
        return any(len(phrase) > 1 for phrase in self.phrases)

    def __bool__(self):
        return bool(self.phrases)


@dataclass(frozen=True)
class Scope:
    """The stories a search covers: the published ones, optionally of one `section` and
    published from `since` to `until` (whole days in the current time zone)."""

    section: Section | None = None
    since: date | None = None
    until: date | None = None

    @property
    def start(self):
        return _start_of_day(self.since) if self.since else None

    @property
    def end(self):
        """Exclusive: the start of the day after `until`."""
        if not self.until or self.until == date.max:
            return None
        return _start_of_day(self.until + timedelta(days=1))

    def articles(self):
        articles = Article.objects.published()
        if self.section:
            articles = articles.filter(section=self.section)
        if self.start:
            articles = articles.filter(published_at__gte=self.start)
        if self.end:
            articles = articles.filter(published_at__lt=self.end)
        return articles.order_by()


def _start_of_day(day):
    """Midnight of `day` in the current time zone; None (no limit) when that is before the
    earliest time a datetime holds in UTC, as 0001-01-01 is east of Greenwich."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    try:
        start.astimezone(UTC)
    except OverflowError:
        return None
    return start


@dataclass(frozen=True)
class Hit:
    article: Article
    title_html: str
    snippet_html: str


def marked_html(text):
    """Escapes `text`, turning only the backend's highlight markers into <mark> tags."""
    escaped = escape(text or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def plain_text(body_html):
    return CONTROL_CHARACTERS.sub(" ", html.unescape(strip_tags(body_html or "")))
