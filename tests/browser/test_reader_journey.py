"""A reader's visit, click by click: front page, lead story, a tag, back, a comment, a reply."""

import re

import pytest

from comments.models import Comment
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    ArticleWithImageFactory,
    SectionFactory,
)

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST


@pytest.fixture
def lead_story(db):
    world = SectionFactory(name="World", slug="world")
    lead = ArticleWithImageFactory(
        title="Rivers rise across the delta as the rains come early",
        section=world,
        featured=True,
        tags=["Climate", "Rivers"],
        hero_alt="Flooded rice fields at dusk",
        body="<p>The water came in the night.</p><p>By morning the road was a river.</p>",
    )
    for number in range(3):
        ArticleFactory(title=f"Other story number {number}", section=world, tags=["Climate"])
    ApprovedCommentFactory(article=lead, name="Ada Reader", body="A clear map of the flood plain.")
    return lead


def test_reader_reads_the_lead_follows_a_tag_and_joins_the_conversation(
    page, watch, lead_story, comment_settings
):
    earlier = Comment.objects.get(article=lead_story)

    page.goto("/")
    lead_link = page.locator(".card--lead .card__title a")
    expect(lead_link).to_have_text(lead_story.title)
    lead_link.click()

    expect(page).to_have_url(re.compile(rf"/articles/{lead_story.slug}/$"))
    expect(page.locator("h1")).to_have_text(lead_story.title)
    hero = page.locator(".article__hero img")
    expect(hero).to_have_attribute("alt", "Flooded rice fields at dusk")
    last_paragraph = page.locator(".article__body p").last
    last_paragraph.scroll_into_view_if_needed()
    expect(last_paragraph).to_be_in_viewport()
    expect(last_paragraph).to_have_text("By morning the road was a river.")
    watch.assert_clean()

    page.locator(".article__tags").get_by_role("link", name="Climate").click()
    expect(page.locator("h1")).to_have_text("Climate")
    expect(page.locator(".card__title a")).to_have_count(4)
    expect(page.locator("#main").get_by_role("link", name=lead_story.title)).to_be_visible()

    page.go_back()
    expect(page.locator("h1")).to_have_text(lead_story.title)

    page.fill("#id_name", "Grace Reader")
    page.fill("#id_email", "grace@example.com")
    page.fill("#id_body", "Where can I find the evacuation routes?")
    page.get_by_role("button", name="Post comment").click()

    # The reader lands on their own comment, shown to them alone and marked as waiting.
    question = page.locator(".comment--pending", has_text="evacuation routes")
    expect(question).to_be_in_viewport()
    expect(question).to_contain_text("awaits moderation")
    expect(page.locator("#comments-title")).to_have_text("Comments (1)")

    page.locator(f"#comment-{earlier.pk}").get_by_role("link", name="Reply").click()
    expect(page.locator(".comment-form__title")).to_have_text("Reply to Ada Reader")
    page.fill("#id_name", "Grace Reader")
    page.fill("#id_email", "grace@example.com")
    page.fill("#id_body", "Thank you, the map helped us leave in time.")
    page.get_by_role("button", name="Post comment").click()

    reply = page.locator(".comment--pending", has_text="the map helped us")
    expect(reply).to_be_in_viewport()
    expect(reply).to_contain_text("in reply to Ada Reader")
    expect(page.locator(".comment--pending")).to_have_count(2)
    watch.assert_clean()
    question, reply = Comment.objects.filter(name="Grace Reader").order_by("created")
    assert (question.parent, question.status) == (None, Comment.Status.PENDING)
    assert (reply.parent, reply.status) == (earlier, Comment.Status.PENDING)
