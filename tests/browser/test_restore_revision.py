"""An editor restores the words of a live story's first draft: it stays live and corrected."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from editorial import revisions
from editorial.models import Revision
from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in, run_axe
from tests.factories import DraftArticleFactory, EditorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

DRAFT_BODY = (
    "<p>The council voted on Monday to close the swimming baths on Eastgate for repairs.</p>"
    "<h2>What happens next</h2>"
    "<p>Swimmers will use the leisure centre in Westfield until the spring.</p>"
)
LIVE_BODY = (
    "<p>The council voted on Tuesday to close the swimming baths on Eastgate for a year of "
    "repairs to the roof.</p>"
    "<h2>What happens next</h2>"
    "<p>Swimmers will use the leisure centre in Westfield until the baths reopen.</p>"
    "<p>A petition to keep them open has 2,000 names.</p>"
)


@pytest.fixture
def live_story(db):
    """Drafted, then published, rewritten and corrected, with a revision for each step."""
    editor = EditorFactory(username="desk-editor", first_name="Rhea", last_name="Desk")
    article = DraftArticleFactory(
        title="Eastgate baths to close for repairs",
        slug="eastgate-baths-close",
        standfirst="The council wants the work done by spring.",
        body=DRAFT_BODY,
        tags=["Council"],
        author=editor,
    )
    revisions.ensure_baseline(article.pk)
    article.title = "Eastgate baths to close for a year"
    article.standfirst = "Roof repairs will take longer than the council hoped."
    article.body = LIVE_BODY
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now() - timedelta(hours=2)
    article.correction = "An earlier version said the vote was on Monday. It was on Tuesday."
    article.version += 1
    article.save()
    article.tags.add("Leisure")
    revisions.record(article, editor)
    return article


def test_the_restore_page_reads_well_and_keeps_the_story_live(
    page, watch, reader_page, artifacts, live_story
):
    first = Revision.objects.filter(article=live_story).order_by("created_at", "id").first()
    log_in(page, "desk-editor@example.com", "correct horse battery")

    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(reverse("admin:articles_article_restore", args=[live_story.pk, first.pk]))
        path = artifacts / f"admin-restore-revision-{viewport['width']}px.png"
        page.screenshot(path=str(path), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    expect(page.locator(".editorial-restore__live")).to_have_text(
        "Readers will see this at once: the article is published."
    )
    expect(page.locator(".editorial-diff del").first).to_be_visible()
    expect(page.locator("#id_restore_correction")).not_to_be_checked()
    assert run_axe(page) == []
    watch.assert_clean()

    page.click("input[type=submit][value='Yes, restore this revision']")

    expect(page.locator(".messagelist .success")).to_contain_text("Restored the words")
    reader_page.goto(live_story.get_absolute_url())
    expect(reader_page.locator("h1")).to_have_text("Eastgate baths to close for repairs")
    expect(reader_page.locator("body")).to_contain_text("It was on Tuesday.")
    watch.assert_clean()
