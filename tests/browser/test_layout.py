"""The pages at a phone's width and a desktop's: screenshots kept, no sideways scrolling."""

import pytest

from articles.demo.stories import SEED_SLUG
from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST

PAGES = {
    "front-page": "/",
    "article": f"/articles/{SEED_SLUG}/",
    "author": "/authors/maya-ortiz/",
}


@pytest.mark.parametrize("device, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_pages_fit_the_screen_and_are_kept_as_screenshots(
    page, watch, demo_site, artifacts, device, viewport
):
    page.set_viewport_size(viewport)
    for name, url in PAGES.items():
        page.goto(url)
        path = artifacts / f"{name}-{viewport['width']}px.png"
        page.screenshot(path=str(path), full_page=True)

        assert path.stat().st_size > 10_000, path
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= viewport["width"], (name, scroll_width)
    watch.assert_clean()


@pytest.mark.parametrize("device, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_posted_comment_is_where_the_reader_lands_and_kept_as_a_screenshot(
    page, watch, demo_site, artifacts, comment_settings, device, viewport
):
    page.set_viewport_size(viewport)
    page.goto(f"/articles/{SEED_SLUG}/")
    page.fill("#id_name", "Sam Reader")
    page.fill("#id_email", "sam@example.com")
    page.fill("#id_body", "The counternarcotics section was the clearest I have read.")
    page.get_by_role("button", name="Post comment").click()

    mine = page.locator(".comment--pending")
    expect(mine).to_be_in_viewport()
    path = artifacts / f"posted-comment-{viewport['width']}px.png"
    page.screenshot(path=str(path))  # what the reader sees where they land
    assert path.stat().st_size > 10_000, path
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport["width"], scroll_width
    watch.assert_clean()
