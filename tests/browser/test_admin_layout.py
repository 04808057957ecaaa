"""Admin screens at a phone's width and a desktop's: nothing cut off, screenshots kept."""

import pytest
from django.urls import reverse

from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in
from tests.factories import ArticleFactory, CommentFactory, EditorFactory, ModeratorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

MODERATION_COLUMNS = [
    "Comment", "Article", "In reply to", "Author", "Email", "Created", "Status", "Links",
    "Spam signals",
]  # fmt: skip


@pytest.fixture
def queue(db):
    """A queue with the long values that stretch columns: a long headline, a long address, a
    reply quoting its parent, a spam comment full of links."""
    article = ArticleFactory(
        title="The council votes to close the Eastgate swimming baths for a year of roof repairs"
    )
    parent = CommentFactory(
        article=article,
        name="Margaret Okonkwo-Fitzgerald",
        body="I have swum there every morning for thirty years and nobody asked us.",
    )
    CommentFactory(
        article=article,
        parent=parent,
        name="Sam",
        email="a-very-long-address-for-testing@example-mail-provider.co.uk",
        body="Visit http://cheap.example/watches and http://cheap.example/bags now " * 3,
        signals="3 links (limit 2); blocked words: cheap, watches",
    )
    CommentFactory.create_batch(3, article=article)


def test_the_moderation_list_shows_every_column(page, watch, artifacts, queue):
    ModeratorFactory(username="night-desk")
    log_in(page, "night-desk@example.com", "correct horse battery")

    page.set_viewport_size(DESKTOP)
    page.goto(reverse("admin:comments_comment_changelist"))
    page.screenshot(path=str(artifacts / "admin-moderation-1280px.png"), full_page=True)
    results = page.locator("#changelist-form .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")
    right = results.evaluate("box => box.getBoundingClientRect().right")
    for title in MODERATION_COLUMNS:
        header = page.locator("#result_list thead th", has_text=title)
        expect(header).to_be_visible()
        box = header.bounding_box()
        assert box["x"] + box["width"] <= right + 0.5, title
    expect(
        page.locator("#result_list tbody .field-signals", has_text="blocked words")
    ).to_be_visible()

    page.set_viewport_size(PHONE)
    page.goto(reverse("admin:comments_comment_changelist"))
    page.screenshot(path=str(artifacts / "admin-moderation-375px.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    spam = page.locator("#result_list tbody tr", has_text="cheap.example")
    for field in ("article_link", "author", "email", "created", "status", "signals"):
        cell = spam.locator(f".field-{field}")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], field
    expect(spam.locator(".field-status")).to_have_text("Awaiting moderation")
    watch.assert_clean()


def test_the_editors_block_menu_marker_needs_no_font(page, watch, artifacts):
    """django-prose-editor marks its block-type menu with U+23F7, which no common system font
    has (an empty box); ours is drawn with borders."""
    editor = EditorFactory(username="desk-editor")
    article = ArticleFactory(author=editor, body="<p>Intro.</p><h2>Heading</h2><p>End.</p>")
    log_in(page, "desk-editor@example.com", "correct horse battery")

    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(reverse("admin:articles_article_change", args=[article.pk]))
        page.locator(".ProseMirror[contenteditable=true] p").first.click()
        path = artifacts / f"admin-article-change-{viewport['width']}px.png"
        page.screenshot(path=str(path), full_page=True)

    marker = page.locator(".prose-menubar__selected").evaluate(
        """menu => { const style = getComputedStyle(menu, "::after");
                     return [style.content, parseFloat(style.borderTopWidth)] }"""
    )
    assert marker == ['""', 4]
    page.locator(".prose-menubar__selected").click()
    expect(page.locator(".prose-menubar__picker button", has_text="Paragraph")).to_be_visible()
    watch.assert_clean()
