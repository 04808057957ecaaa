"""An editor's story, from a blank form to the front page, its tag page and the feed."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from articles.models import Article
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, log_in
from tests.factories import EditorFactory, SectionFactory, image_bytes

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

TITLE = "Harbour walls hold as the autumn storm passes"


@pytest.fixture
def editorial_workflow():
    try:
        reverse("editorial:shared_preview", args=["token"])
    except NoReverseMatch:
        pytest.skip("editorial workflow (issue 5) not present: no editorial:shared_preview route")


def write_body(page):
    """Types the story into the rich-text editor: a paragraph, bold words, a heading, a list."""
    editor = page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("The sea wall took the full force of the storm overnight. ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Nobody was hurt.")
    page.keyboard.press("Control+b")
    page.keyboard.press("Enter")
    page.keyboard.type("## What the harbour master said")  # Markdown shortcuts make a heading
    page.keyboard.press("Enter")
    page.keyboard.type("- Boats stay moored until Friday")
    page.keyboard.press("Enter")
    page.keyboard.type("The ferry runs again on Saturday")


def save_and_continue(page):
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_editor_writes_previews_schedules_and_publishes_a_story(
    page, watch, reader_page, editorial_workflow
):
    EditorFactory(username="desk-editor", first_name="Rhea", last_name="Desk")
    SectionFactory(name="Science", slug="science")
    log_in(page, "desk-editor@example.com", "correct horse battery")

    page.goto(reverse("admin:articles_article_add"))
    page.locator("#id_title").press_sequentially(TITLE)
    expect(page.locator("#id_slug")).to_have_value("harbour-walls-hold-as-the-autumn-storm-passes")
    page.fill("#id_standfirst", "The new defences passed their first real test.")
    write_body(page)
    page.set_input_files(
        "#id_hero_image",
        files=[
            {
                "name": "harbour.jpg",
                "mimeType": "image/jpeg",
                "buffer": image_bytes(size=(1600, 1000), colour=(20, 60, 110)),
            }
        ],
    )
    page.fill("#id_hero_alt", "Waves breaking over the harbour wall")
    page.select_option("#id_section", label="Science")
    page.fill("#id_tags", "Harbours, Storms")
    save_and_continue(page)
    watch.assert_clean()

    article = Article.objects.get(title=TITLE)
    assert article.status == Article.Status.DRAFT
    assert "<strong>Nobody was hurt.</strong>" in article.body
    assert "<h2>What the harbour master said</h2>" in article.body
    assert "<li><p>Boats stay moored until Friday</p></li>" in article.body
    assert set(article.tags.names()) == {"Harbours", "Storms"}

    # Preview: the draft at its public address, as readers will see it, for editors only.
    page.click("text=Preview as readers will see it")
    expect(page.locator(".preview-banner")).to_contain_text("Preview — not published")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".article__body strong")).to_have_text("Nobody was hurt.")
    hero = page.locator(".article__hero img")
    expect(hero).to_have_attribute("alt", "Waves breaking over the harbour wall")
    # Loaded and decoded, however long the download takes (checked at once, a slow machine
    # could still be fetching it); a broken image never gets there and fails on the timeout.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=hero.element_handle())
    watch.assert_clean()

    # Schedule it for tomorrow morning: still invisible to readers, "Scheduled" in the list.
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", tomorrow.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", "07:00:00")
    save_and_continue(page)
    page.goto(reverse("admin:articles_article_changelist"))
    expect(page.locator("#result_list tr", has_text=TITLE)).to_contain_text("Scheduled for")

    reader_page.goto("/")
    expect(reader_page.get_by_role("link", name=TITLE)).to_have_count(0)
    assert reader_page.goto(article.get_absolute_url()).status == 404

    # Publish now after all: the datetime shortcuts put today's date and the time now.
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    page.locator("#id_published_at_0 ~ .datetimeshortcuts a", has_text="Today").click()
    page.locator("#id_published_at_1 ~ .datetimeshortcuts a", has_text="Now").click()
    save_and_continue(page)
    watch.assert_clean()

    reader_page.goto("/")
    expect(reader_page.locator("#main").get_by_role("link", name=TITLE)).to_be_visible()
    reader_page.goto("/tags/harbours/")
    expect(reader_page.locator("#main").get_by_role("link", name=TITLE)).to_be_visible()
    reader_page.goto(article.get_absolute_url())
    expect(reader_page.locator(".preview-banner")).to_have_count(0)
    expect(reader_page.locator(".article__body h2")).to_have_text("What the harbour master said")
    for feed in ("/feeds/latest/", "/tags/harbours/feed/"):
        response = reader_page.request.get(feed)
        assert response.ok, feed
        assert TITLE in response.text(), feed
