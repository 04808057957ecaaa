"""The WYSIWYG editor's output survives the sanitiser as it is; anything else is cleaned."""

import html
import re

import pytest

from articles.models import Article
from lifescope.sanitize import clean_html
from tests.editorial.conftest import change_form, change_url
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# What django-prose-editor produces with EDITOR_CONFIG, copied from its getHTML() output.
EDITOR_OUTPUT = [
    "<h2>Heading two</h2><h3>Three</h3><h4>Four</h4>",
    "<p>Plain, <strong>bold</strong>, <em>italic</em>, <u>underlined</u>, <s>struck</s>, "
    "H<sub>2</sub>O and x<sup>2</sup>.</p>",
    '<p>A <a href="https://example.com/report?id=1&amp;page=2">link</a> and '
    '<a href="mailto:desk@lifescope.example">mail</a>.</p>',
    "<ul><li><p>One</p></li><li><p>Two</p></li></ul><ol><li><p>First</p></li></ol>",
    '<ol start="3"><li><p>Third</p></li></ol>',
    "<blockquote><p>“Quoted words,” she said.</p></blockquote><hr>",
    "<p>Line one<br>line two</p>",
    '<figure class="figure"><img src="/media/articles/2026/01/bridge.jpg" alt="The bridge">'
    '<figcaption class="figure-caption">The bridge at dusk. Photo: Lifescope</figcaption>'
    "</figure>",
]


@pytest.mark.parametrize("markup", EDITOR_OUTPUT)
def test_the_editors_output_round_trips_through_the_sanitiser_unchanged(markup):
    assert clean_html(markup) == markup


def test_only_the_editors_own_classes_survive_on_figures():
    markup = '<figure class="figure hero-banner"><figcaption class="x">Hi</figcaption></figure>'
    assert clean_html(markup) == "<figure><figcaption>Hi</figcaption></figure>"


WORD_PASTE = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta name=ProgId content=Word.Document><style>p.MsoNormal{margin:0cm;font-family:Calibri}</style>
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></head><body>
<p class=MsoNormal style='mso-line-height-alt:12pt'><b><span style='font-size:14pt'>Budget
vote</span></b><o:p></o:p></p>
<p class=MsoNormal onclick="steal()">Ministers met <a href="javascript:alert(1)">today</a>
<img src=x onerror="alert(2)"><script>document.cookie</script></p>
<iframe src="https://evil.example/"></iframe><p>End</p></body></html>"""


def test_pasted_word_html_loses_its_styles_scripts_and_handlers(client, editor):
    article = ArticleFactory(author=editor)
    client.force_login(editor)

    response = client.post(change_url(article), change_form(article, body=WORD_PASTE))

    assert response.status_code == 302
    body = Article.objects.get(pk=article.pk).body
    for residue in ("style", "script", "onclick", "onerror", "javascript:", "Mso", "iframe",
                    "mso-", "cookie", "font-family", "<o:p>", "<span"):  # fmt: skip
        assert residue not in body, residue
    assert "<b>Budget\nvote</b>" in body
    assert "Ministers met <a>today</a>" in body
    assert body.endswith("<p>End</p>")


def test_the_admin_form_loads_the_editor_from_our_own_static_files(client, editor):
    article = ArticleFactory(author=editor)
    client.force_login(editor)

    page = html.unescape(client.get(change_url(article)).content.decode())

    assert "data-django-prose-editor-lifescope=" in page
    assert '"Figure":' in page and '"levels":[2,3,4]' in page
    assert "/static/editorial/editor.js" in page
    assert "/static/django_prose_editor/editor.js" in page
    assert '<script type="importmap" nonce="' in page
    # No script or stylesheet from another host (a CDN). Matched on the tags, not the text: a
    # random nonce or story can hold the letters "cdn".
    assert re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//', page) == []
