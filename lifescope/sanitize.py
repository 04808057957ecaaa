"""The one allowlist for HTML that people write: editors' article bodies, readers' comments.

Everything that reaches a page as HTML passes through `clean_html` (editors' markup) or
`plain_text_to_html` (readers' plain text); nothing else decides which tags, attributes or URL
schemes are safe. Embedded posts and media are part of it: lifescope.embeds lists the providers
and turns their addresses into cards once this allowlist has run.
"""

import html
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
# Which attributes each tag keeps. Every URL among them is judged by `_allowed_url`, and a
# class by EDITOR_CLASSES; nothing else of theirs can carry markup or a request.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "figure": {"class"},
    "figcaption": {"class"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# The admin's editor (django-prose-editor) marks its figures with these classes, which the site's
# CSS styles; no other class value passes, so pasted markup cannot borrow the site's styles.
# An "embed" figure is rebuilt whole by lifescope.embeds, whatever else it carried.
EDITOR_CLASSES = {"figure": {"figure", "embed"}, "figcaption": {"figure-caption"}}
# Attributes a browser reads as URLs. Those it fetches by itself, without the reader asking,
# may only name this site: a remote image would be a reader-tracking request, and the
# Content-Security-Policy refuses it anyway, leaving a broken picture.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "cite", "poster", "action", "formaction", "background", "data",
     "longdesc", "ping", "lowsrc", "dynsrc", "usemap", "manifest", "codebase", "xlink:href"}
)  # fmt: skip
FETCHED_URL_ATTRIBUTES = frozenset(
    {"src", "srcset", "poster", "background", "data", "lowsrc", "dynsrc", "codebase"}
)
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


_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def browser_url(value):
    """The URL a browser reads from an attribute's `value` as the sanitiser sees it.

    The sanitiser leaves character references in values ("&#9;"), which the browser decodes;
    its URL parser (WHATWG) then strips leading and trailing C0 controls and spaces and removes
    every tab and newline, so "/&#9;/evil.example/t.png" is "//evil.example/t.png", another site.
    """
    return _TAB_OR_NEWLINE.sub("", html.unescape(value).strip(_C0_AND_SPACE))


def _allowed_attribute(tag, name, value):
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name == "class":
        return value in EDITOR_CLASSES.get(tag, ())
    if name in URL_ATTRIBUTES:
        return _allowed_url(name, browser_url(value))
    return True


def _allowed_url(name, url):
    if name == "srcset":
        # "URL descriptor" candidates: the URL of each piece between commas must pass alone.
        pieces = (piece.split() for piece in url.split(","))
        return all(_allowed_url("src", piece[0] if piece else "") for piece in pieces)
    if name in FETCHED_URL_ATTRIBUTES:
        # This site's own paths only. Browsers read "/\\host" like "//host", another site.
        return url.startswith("/") and url[1:2] not in ("/", "\\")
    scheme = _SCHEME.match(url)
    return scheme is None or scheme[1].lower() in ALLOWED_PROTOCOLS


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
    attributes=_allowed_attribute,
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
