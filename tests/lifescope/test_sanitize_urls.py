"""Every URL the allowlist keeps is judged as a browser reads it, whatever hides in it.

A browser decodes the attribute's character references, then its URL parser (WHATWG) strips
leading and trailing C0 controls and spaces, removes every tab and newline, and reads a
backslash as a slash. The model of that here is written apart from lifescope/sanitize.py, with
Python's own URL functions, so the two cannot share a mistake.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lifescope import sanitize
from lifescope.sanitize import ALLOWED_PROTOCOLS, ALLOWED_TAGS, URL_ATTRIBUTES, clean_html

PAGE = "https://news.example/articles/a-story/"
C0_AND_SPACE = "".join(chr(n) for n in range(0x21))


class Attributes(HTMLParser):
    """Every (tag, attribute, value) of a fragment, values decoded as a browser decodes them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def requested(value):
    """The address a browser on PAGE resolves an attribute's decoded `value` to."""
    url = re.sub("[\t\n\r]", "", value.strip(C0_AND_SPACE))
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) or url[:5].lower() in ("http:", "https"):
        url = url.replace("\\", "/")  # in web addresses, a backslash is a slash
    return urlsplit(urljoin(PAGE, url))


def kept_url_attributes():
    """(tag, attribute) pairs of the allowlist that keep a plain address of this site."""
    return [
        (tag, name)
        for tag in sorted(ALLOWED_TAGS)
        for name in sorted(URL_ATTRIBUTES)
        if (tag, name, "/media/a.png")
        in Attributes(clean_html(f'<{tag} {name}="/media/a.png">')).found
    ]


def srcset_urls(value):
    """The URLs of a srcset's candidates, split as HTML's srcset parser does (descriptors are
    skipped to the next comma)."""
    urls, rest = [], value
    while rest := rest.lstrip(" \t\n\f\r,"):
        url = re.match(r"[^ \t\n\f\r]*", rest)[0]
        rest = rest[len(url) :]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            rest = rest.partition(",")[2]
        urls.append(url)
    return urls


def assert_safe(tag, name, value):
    """What a browser would do with a kept URL: fetch only from this site, follow only the
    allowlisted schemes."""
    for url in srcset_urls(value) if name == "srcset" else [value]:
        address = requested(url)
        if name in sanitize.FETCHED_URL_ATTRIBUTES:
            assert (address.scheme, address.netloc) == ("https", "news.example"), (tag, name, value)
        else:
            assert address.scheme in ALLOWED_PROTOCOLS, (tag, name, value)


# Pieces of addresses, and what browsers ignore or decode inside them.
PARTS = [
    "/", "//", "\\", "/media/a.png", "evil.example", "evil.example/t.png", ":", ".", "%2F", "x",
    "javascript:", "JaVaScRiPt:", "java", "script:", "data:image/png;base64,AA", "https:",
    "http://evil.example", "mailto:", "vbscript:", "1x", ",", " 2x, ",
]  # fmt: skip
NOISE = [
    "\t", "\n", "\r", "\x0c", "\x00", "\x01", "\x1f", " ", "&#9;", "&#10;", "&#13;", "&#x9;",
    "&#x0A", "&Tab;", "&NewLine;", "&#0;", "&#32;", "&#x20;", "&#92;", "&bsol;", "&sol;",
]  # fmt: skip
addresses = st.lists(st.sampled_from(PARTS + NOISE), max_size=8).map("".join)


KEPT = kept_url_attributes()


def test_the_allowlist_keeps_links_and_pictures_of_this_site():
    # So the property below tests what readers get, never an empty list.
    assert KEPT == [("a", "href"), ("img", "src")]


@given(value=addresses)
@example(value="/&#9;/evil.example/t.png")
@example(value="/&#10;/evil.example/t.png")
@example(value="&#1; //evil.example/t.png")
def test_every_kept_url_is_safe_as_a_browser_reads_it(value):
    for tag, name in KEPT:
        for found_tag, found_name, found in Attributes(
            clean_html(f'<{tag} {name}="{value}">')
        ).found:
            if found_name in URL_ATTRIBUTES:
                assert_safe(found_tag, found_name, found)


WIDENED = {"a": {"href", "ping"}, "img": {"src", "srcset", "longdesc"}, "blockquote": {"cite"}}


@pytest.fixture
def widened_allowlist(monkeypatch):
    """An allowlist that someone extended with more URL attributes."""
    for tag, names in WIDENED.items():
        monkeypatch.setitem(sanitize.ALLOWED_ATTRIBUTES, tag, names)
    assert set(kept_url_attributes()) >= {(t, n) for t, names in WIDENED.items() for n in names}


@given(value=addresses)
@example(value="/a.png 1x, /&#9;/evil.example/t.png 2x")
def test_a_url_attribute_added_to_the_allowlist_is_judged_the_same_way(widened_allowlist, value):
    for tag, names in WIDENED.items():
        for name in names:
            for found_tag, found_name, found in Attributes(
                clean_html(f'<{tag} {name}="{value}">x</{tag}>')
            ).found:
                if found_name in URL_ATTRIBUTES:
                    assert_safe(found_tag, found_name, found)
