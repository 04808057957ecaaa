"""The editor's Embed button and the cards it makes, in a real browser under the site's CSP."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, log_in
from tests.factories import ArticleFactory, EditorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

SAVED_CARD = (
    '<figure class="embed" data-provider="x"><figcaption class="embed__provider">Post on X'
    '</figcaption><a class="embed__link" href="https://x.com/lifescope/status/1">Read on X'
    '<span class="embed__address">x.com/lifescope/status/1</span></a></figure>'
)


def test_an_editor_embeds_a_video_and_readers_get_a_card_that_loads_nothing(
    page, watch, reader_page
):
    editor = EditorFactory(username="desk-editor")
    article = ArticleFactory(author=editor, body=f"<p>Intro.</p>{SAVED_CARD}<p>End.</p>")
    log_in(page, "desk-editor@example.com", "correct horse battery")
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    body = page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    # The saved card opens as one embed block, not as a broken image figure.
    expect(body.locator("figure.embed a")).to_have_attribute(
        "href", "https://x.com/lifescope/status/1"
    )

    body.locator("p").last.click()
    page.locator(".prose-menubar [data-name=embed]").click()
    page.fill("dialog input[name=url]", "https://youtu.be/dQw4w9WgXcQ")
    page.click("dialog button[type=submit]")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    watch.assert_clean()

    saved = Article.objects.get(pk=article.pk).body
    assert saved.startswith(f"<p>Intro.</p>{SAVED_CARD}<p>End.</p>")
    assert saved.endswith("youtu.be/dQw4w9WgXcQ</span></a></figure>")
    reader_page.goto(article.get_absolute_url())
    expect(reader_page.locator(".article__body figure.embed")).to_have_count(2)
    expect(reader_page.get_by_role("link", name="Watch on YouTube")).to_have_attribute(
        "href", "https://youtu.be/dQw4w9WgXcQ"
    )
    assert reader_page.locator("iframe").count() == 0
