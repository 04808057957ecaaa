"""axe-core on the pages readers use, the keyboard path through them, and alt text."""

import contextlib

import pytest
from django.urls import NoReverseMatch, reverse

from articles.demo.stories import SEED_SLUG
from comments.models import Comment
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, run_axe

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST


def test_no_serious_or_critical_axe_violation_on_readers_pages(page, watch, demo_site):
    seed = f"/articles/{SEED_SLUG}/"
    assert Comment.objects.approved().filter(article__slug=SEED_SLUG).exists()
    pages = {
        "front page": "/",
        "article with comments": seed,
        "tag page": "/tags/colombia/",
        "author page": "/authors/maya-ortiz/",
    }
    with contextlib.suppress(NoReverseMatch):  # search may not be built on this tree yet
        pages["search"] = reverse("articles:search") + "?q=Colombia"

    found = {}
    for label, url in pages.items():
        assert page.goto(url).status == 200, label
        found[label] = run_axe(page)

    # Past the browser's own checks, refused by the site's: a one-letter comment, a bad address.
    page.goto(seed)
    page.fill("#id_name", "Al")
    page.fill("#id_email", "al@example")
    page.fill("#id_body", "x")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    found["comment form with errors"] = run_axe(page)

    assert found == {label: [] for label in found}
    # The refused comment is answered 400, which Chromium logs; nothing else may be logged.
    watch.console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )
    watch.assert_clean()


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page, demo_site):
    page.goto("/")
    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def focus_ring(page):
    """How the focused element shows it has focus: its outline, or a box shadow."""
    return page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          return {
            element: document.activeElement.outerHTML.slice(0, 80),
            visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                     || style.boxShadow !== "none",
          };
        }"""
    )


def test_every_stop_on_the_keyboard_path_shows_focus(page, demo_site):
    page.goto(f"/articles/{SEED_SLUG}/")

    invisible = []
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if not ring["visible"]:
            invisible.append(ring["element"])

    assert invisible == []


def test_a_comment_can_be_written_and_sent_with_the_keyboard_alone(
    page, demo_site, comment_settings
):
    page.goto(f"/articles/{SEED_SLUG}/")

    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_name":
            break
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("Written without a mouse.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Post comment"
    page.keyboard.press("Enter")

    mine = page.locator(".comment--pending", has_text="Written without a mouse.")
    expect(mine).to_be_in_viewport()
    expect(mine.get_by_role("status")).to_contain_text("awaits moderation")
    assert Comment.objects.filter(name="Kim Keyboard", body="Written without a mouse.").exists()


def test_images_have_alt_text_and_decorative_ones_an_empty_one(page, demo_site):
    for url in ("/", f"/articles/{SEED_SLUG}/", "/tags/colombia/"):
        page.goto(url)
        images = page.evaluate(
            """() => [...document.images].map((img) => ({
                 src: img.getAttribute("src"),
                 alt: img.getAttribute("alt"),
                 content: Boolean(img.closest(".article__hero, .article__body")),
                 // A thumbnail beside its story's linked title, or hidden from assistive
                 // technology with its link, adds nothing a screen reader should announce.
                 beside_text: img.parentElement.textContent.trim() !== ""
                              || Boolean(img.closest("[aria-hidden=true]")),
               }))"""
        )
        assert images, url
        for image in images:
            assert image["alt"] is not None, (url, image)
            if image["content"]:
                assert image["alt"].strip(), (url, image)
            elif image["alt"] == "":
                assert image["beside_text"], (url, image)
