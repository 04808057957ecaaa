"""The one allowlist for HTML that people write: editors' article bodies, readers' comments.

Everything that reaches a page as HTML passes through `clean_html` (editors' markup) or
`plain_text_to_html` (readers' plain text); nothing else decides which tags, attributes or URL
schemes are safe. Embedded posts and media are part of it: lifescope.embeds lists the providers
and turns their addresses into cards once this allowlist has run.
"""

import re

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import build_url_re
from django.utils.html import escape

from lifescope.embeds import EmbedCards

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "a", "ul", "ol", "li", "blockquote", "q", "cite", "code", "pre", "abbr",
        "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
    }
)  # fmt: skip
# The admin's editor (django-prose-editor) marks its figures with these classes, which the site's
# CSS styles; no other class value passes, so pasted markup cannot borrow the site's styles.
# An "embed" figure is rebuilt whole by lifescope.embeds, whatever else it carried.
EDITOR_CLASSES = {"figure": {"figure", "embed"}, "figcaption": {"figure-caption"}}


def _editor_class(tag, name, value):
    return name == "class" and value in EDITOR_CLASSES[tag]


IMAGE_ATTRIBUTES = {"alt", "width", "height", "title"}


def _image_attribute(tag, name, value):
    # Only images this site serves: a remote one would be a reader-tracking request, and the
    # Content-Security-Policy refuses it anyway, leaving a broken picture.
    if name == "src":
        # Browsers read "/\\host" like "//host": the second character must not be a slash of
        # either kind.
        return value.startswith("/") and value[1:2] not in ("/", "\\")
    return name in IMAGE_ATTRIBUTES


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "figure": _editor_class,
    "figcaption": _editor_class,
    "abbr": ["title"],
    "img": _image_attribute,
    "th": ["scope", "colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Stripping only the tags of these would leave their code or styles behind as visible text.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "noscript", "object", "noembed", "noframes",
     "xmp", "title", "textarea", "select", "svg", "math"}
)  # fmt: skip


class DropWithContent(Filter):
    """Removes the elements in DROPPED_WITH_CONTENT together with everything inside them."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            name = token.get("name")
            kind = token["type"]
            if name in DROPPED_WITH_CONTENT and kind in ("StartTag", "EndTag", "EmptyTag"):
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth = max(depth - 1, 0)
                continue
            if depth == 0:
                yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[DropWithContent, EmbedCards],
)


def clean_html(html):
    """Return `html` with only allowlisted tags, attributes and URL schemes left.

    Addresses of allowlisted providers alone in a paragraph become embed cards
    (lifescope.embeds). Cleaning cleaned HTML returns it unchanged.
    """
    return _cleaner.clean(html or "").strip()


def _reader_link_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


_BLANK_LINES = re.compile(r"\n\s*\n")
# Readers' links may only use the web schemes of the allowlist above.
_reader_linker = bleach.Linker(
    callbacks=[_reader_link_rel],
    url_re=build_url_re(protocols=ALLOWED_PROTOCOLS - {"mailto"}),
    parse_email=False,
)


def plain_text_to_html(text):
    """Return a reader's plain `text` as inert HTML for comments.

    Everything is escaped; blank lines make paragraphs, single ones `<br>`; web addresses become
    links that search engines neither follow nor credit.
    """
    paragraphs = [p.strip() for p in _BLANK_LINES.split((text or "").replace("\r\n", "\n"))]
    html = "".join(
        "<p>{}</p>".format("<br>".join(escape(line) for line in p.split("\n")))
        for p in paragraphs
        if p
    )
    return _reader_linker.linkify(html)
