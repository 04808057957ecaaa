"""Comparing two versions of an article's fields: as stored, markup and all (the history's
compare page), or as readers read them (the restore page: the body as paragraphs of text).

A FieldDiff holds paragraphs of (operation, text) pairs, "equal", "insert" or "delete", which
the templates show escaped, marking insertions and deletions for sighted and screen-reader
users alike (templates/django/editorial/includes/field_changes.html).
"""

import difflib
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime

from articles.models import Article, Section

_TOKENS = re.compile(r"<[^>]*>|\s+|[^\s<]+")
_WORDS = re.compile(r"\s+|\S+")
_TAGS = re.compile(r",\s*|[^,]+")


@dataclass
class FieldDiff:
    name: str
    label: str
    # Paragraphs of (operation, text) pairs: "equal", "insert" or "delete"; shown escaped.
    paragraphs: list
    note: str = ""


def as_stored(name, before, after):
    """The change of field `name` as stored: markup counts as words, so a change of formatting
    or of a link's address shows too."""
    segments = _segments(display(name, before), display(name, after), _TOKENS)
    return FieldDiff(name, label(name), [segments])


def as_read(name, before, after):
    """The change of field `name` as readers would notice it: the body as paragraphs of text."""
    if name != "body":
        tokens = _TAGS if name == "tags" else _WORDS
        segments = _segments(display(name, before), display(name, after), tokens)
        return FieldDiff(name, label(name), [segments])
    old, new = _paragraphs(before or ""), _paragraphs(after or "")
    paragraphs = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            paragraphs += [[("equal", text)] for text in old[i1:i2]]
            continue
        # Paragraphs replaced one for one are compared word by word; the rest went or came.
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            paragraphs.append(_segments(old[i1 + k], new[j1 + k], _WORDS))
        paragraphs += [_marked("delete", text) for text in old[i1 + paired : i2]]
        paragraphs += [_marked("insert", text) for text in new[j1 + paired : j2]]
    note = "" if old != new else "The text is the same; only formatting or links differ."
    return FieldDiff(name, label(name), paragraphs, note)


def label(name):
    """The field's name as the admin's form shows it."""
    return "tags" if name == "tags" else Article._meta.get_field(name).verbose_name


def display(name, value):
    """A snapshot's value of field `name` as an editor reads it."""
    if name == "tags":
        return ", ".join(value or [])
    if name == "section" and value:
        return Section.objects.filter(pk=value).values_list("name", flat=True).first() or "?"
    if name == "author" and value:
        user = Article._meta.get_field("author").related_model.objects.filter(pk=value).first()
        return (user.get_full_name() or user.get_username()) if user else "?"
    if name == "published_at" and value:
        return dateformat.format(timezone.localtime(parse_datetime(value)), "j M Y, H:i T")
    if name == "status" and value:
        return Article.Status(value).label
    if name == "hero_image" and value:
        return posixpath.basename(value)
    if value in (None, ""):
        return ""
    return str(value)


def _segments(before, after, tokens):
    """A word-level diff of two strings, split into words by the regex `tokens`."""
    old, new = tokens.findall(before), tokens.findall(after)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            segments += _marked("delete", "".join(old[i1:i2]))
        if op in ("insert", "replace"):
            segments += _marked("insert", "".join(new[j1:j2]))
        if op == "equal":
            segments.append(("equal", "".join(old[i1:i2])))
    return segments


def _marked(op, text):
    """`text` as an insertion or deletion, with the spaces around it left unmarked."""
    core = text.strip()
    if not core:
        return [("equal", text)] if op == "insert" else []
    start = text.index(core)
    pieces = [("equal", text[:start]), (op, core), ("equal", text[start + len(core) :])]
    return [(kind, piece) for kind, piece in pieces if piece]


class _TextOfHTML(HTMLParser):
    """The paragraphs of text a reader sees in sanitised article HTML."""

    BLOCKS = {
        "p", "h2", "h3", "h4", "li", "blockquote", "figure", "figcaption", "pre", "hr", "br",
        "table", "tr", "caption", "ul", "ol",
    }  # fmt: skip

    def __init__(self):
        super().__init__()
        self.paragraphs, self.current = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.flush()
        if tag == "li":
            self.current.append("• ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            self.current.append(f" [Image: {alt}] " if alt else " [Image] ")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        self.current.append(data)

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text and text != "•":
            self.paragraphs.append(text)
        self.current = []


def _paragraphs(html):
    parser = _TextOfHTML()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.paragraphs
