import pytest

from lifescope.sanitize import clean_html

REMOVED = [
    ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
    ('<p onclick="alert(1)" onmouseover="x()">Hi</p>', "<p>Hi</p>"),
    ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "<a>x</a>"),
    ('<img src="/media/x.jpg" onerror="alert(1)" alt="a">', '<img src="/media/x.jpg" alt="a">'),
    ('<img src="https://tracker.example/p.gif" alt="a">', '<img alt="a">'),
    ('<img src="//tracker.example/p.gif" alt="a">', '<img alt="a">'),
    ('<img src="/\\tracker.example/p.gif" alt="a">', '<img alt="a">'),
    ('<img src="data:image/png;base64,AAAA" alt="a">', '<img alt="a">'),
    # Browsers drop tabs and newlines from URLs: these load //evil.example/t.png (issue #16).
    ('<img src="/&#9;/evil.example/t.png" alt="a">', '<img alt="a">'),
    ('<img src="/&#10;/evil.example/t.png" alt="a">', '<img alt="a">'),
    ('<img src="/\t/evil.example/t.png" alt="a">', '<img alt="a">'),
    ('<img src="/&Tab;\\evil.example/t.png" alt="a">', '<img alt="a">'),
    ("<style>body{display:none}</style><p>Text</p>", "<p>Text</p>"),
    ('<iframe src="https://evil.example"></iframe><p>Text</p>', "<p>Text</p>"),
    ("<svg><script>alert(1)</script><circle r=5 /></svg><p>Text</p>", "<p>Text</p>"),
    ('<div style="color:red" class="x"><p>Text</p></div>', "<p>Text</p>"),
    ("<!-- secret --><p>Text</p>", "<p>Text</p>"),
    ('<form action="/steal"><input name="x"><button>Go</button></form>', "Go"),
]


@pytest.mark.parametrize(("dirty", "clean"), REMOVED)
def test_dangerous_markup_is_removed(dirty, clean):
    assert clean_html(dirty) == clean


def test_allowed_article_markup_is_kept_as_written():
    html = (
        "<h2>Why it matters</h2><p>A <strong>bold</strong> and <em>careful</em> "
        '<a href="https://example.com/report" title="Report">report</a>.</p>'
        "<ul><li>One</li></ul><blockquote><p>Quote</p></blockquote>"
        '<figure><img src="/media/a.jpg" alt="A map" width="600" height="400">'
        "<figcaption>Map</figcaption></figure>"
    )
    assert clean_html(html) == html


def test_unclosed_and_nested_markup_comes_out_well_formed():
    assert clean_html("<p><strong>open <em>nested</p>") == (
        "<p><strong>open <em>nested</em></strong></p>"
    )
