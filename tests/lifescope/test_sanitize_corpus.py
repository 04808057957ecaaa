"""The hostile-input corpus through the sanitiser alone: fast, no browser.

The same vectors go through the real pages in tests/browser/test_hostile_input.py; this proves
the markup that reaches those pages is already inert.
"""

import re
from html.parser import HTMLParser

import pytest

from lifescope.sanitize import ALLOWED_TAGS, clean_html, plain_text_to_html
from tests.xss import xss_vectors

VECTORS = xss_vectors()
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "data", "cite", "background"}
# What browsers ignore inside a scheme name: "java\tscript:" is still javascript:.
IGNORED_IN_SCHEMES = re.compile(r"[\x00-\x20\u200b-\u200d\ufeff]")


class Tags(HTMLParser):
    """Every (tag, attributes) of a fragment; the parser unescapes values once, as browsers do."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def dangers(html):
    """What in `html` could run script or load something: empty when it is inert."""
    problems = []
    if "<script" in html.lower():
        problems.append("<script")
    for tag, attrs in Tags(html).found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"{tag}[{name}]")
            if name == "style":
                problems.append(f"{tag}[style]")
            scheme = IGNORED_IN_SCHEMES.sub("", value).lower()
            if name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "data:", "vbscript:")):
                problems.append(f"{tag}[{name}={value!r}]")
    return problems


def test_the_corpus_is_large_and_varied():
    assert len(VECTORS) >= 100
    assert len(set(VECTORS)) == len(VECTORS)
    for family in ("<script", " on", "javascript:", "data:", "<svg", "<math", "&#", "\u202e"):
        assert any(family in vector.lower() for vector in VECTORS), family


@pytest.mark.parametrize("vector", VECTORS)
def test_editors_html_comes_out_inert(vector):
    cleaned = clean_html(vector)

    assert dangers(cleaned) == []
    # Cleaning again changes nothing: no markup that a second parse would turn dangerous.
    assert clean_html(cleaned) == cleaned


@pytest.mark.parametrize("vector", VECTORS)
def test_readers_plain_text_comes_out_inert(vector):
    html = plain_text_to_html(vector)

    assert dangers(html) == []
    assert {tag for tag, _ in Tags(html).found} <= {"p", "br", "a"}
    for tag, attrs in Tags(html).found:
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://"))
            assert attrs["rel"] == "nofollow ugc noopener"


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        '<img src="x" onerror="x">',
        '<a href="java&#9;script:x">x</a>',
        '<a href=" JavaScript:x">x</a>',
        '<img src="data:image/png;base64,AA">',
        "<svg></svg>",
        '<p style="color:red">x</p>',
    ],
)
def test_the_checker_itself_sees_danger(html):
    assert dangers(html) != []
