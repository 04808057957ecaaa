"""Every vector of the XSS corpus, published, in a real browser: nothing runs, fires or loads.

Comments go through the real posting view and the moderators' approval; article bodies through
the model's save, which sanitises. The pages are then opened, every element in the hostile
markup is hovered, focused and clicked (links aside), and the page must show no dialog, no
`window.__xss`, no request to another host, no console error and no CSP refusal: the CSP is the
second line, and a refusal would mean hostile markup got through the first.
"""

import re

import pytest
from django.test import Client

from comments import services
from comments.forms import form_token
from comments.models import Comment
from lifescope.sanitize import clean_html
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, PageWatch
from tests.factories import ArticleFactory, EditorFactory, SectionFactory
from tests.xss import xss_vectors

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

pytestmark = BROWSER_TEST

VECTORS = xss_vectors()

# Hover, focus and click every element of the hostile markup, so event handlers that needed a
# person to act get their chance; links are not followed (a reader chooses to leave).
PROVOKE = """(selector) => {
  for (const element of document.querySelectorAll(selector)) {
    for (const type of ["pointerover", "mouseover", "mouseenter", "focus", "focusin"]) {
      element.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (typeof element.focus === "function") element.focus();
    if (!element.closest("a, form, button")) element.click();
  }
}"""
# Markup that can run script or fetch something, wherever it ended up.
ACTIVE_MARKUP = """(selector) => {
  const found = [];
  for (const element of document.querySelectorAll(selector)) {
    const tag = element.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "svg", "math", "base", "meta", "link",
         "style", "form", "input", "button", "frame", "frameset", "video", "audio",
         "source", "template"].includes(tag)) found.push(`<${tag}>`);
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on") || name === "style" || name === "srcset") {
        found.push(`${tag}[${name}]`);
      }
      if (/^(javascript|data|vbscript):/.test(value)) found.push(`${tag}[${name}=${value}]`);
    }
  }
  return found;
}"""


def injected_effects(page, watch):
    """What the hostile markup managed to do on the current page."""
    return {
        "xss marker": page.evaluate("typeof window.__xss === 'undefined' ? null : window.__xss"),
        "dialogs": watch.dialogs,
        "page errors": watch.page_errors,
        "foreign requests": watch.foreign_requests,
    }


TABS = 4
# Leaves the page after evaluate() has returned, so the navigation cannot cut the call short.
NAVIGATE = "url => { setTimeout(() => { location.href = url }) }"
REMOTE_PICTURE = re.compile(r'<img[^>]* src="(https?:)?//')
REFUSED_PICTURE = "Loading the image '"
BROKEN_PICTURE = "Failed to load resource: the server responded with a status of 404"
NOTHING = {"xss marker": None, "dialogs": [], "page errors": [], "foreign requests": []}


def test_hostile_comments_are_shown_as_plain_text_and_do_nothing(page, watch, comment_settings):
    article = ArticleFactory(title="Readers write in")
    poster = Client()
    for number, vector in enumerate(VECTORS):
        printable = len(vector) <= 80 and all(" " <= c <= "~" for c in vector)
        response = poster.post(
            f"/articles/{article.slug}/comments/",
            {
                "name": vector if printable and number % 3 == 0 else f"Reader {number}",
                "email": f"reader{number}@example.com",
                "body": vector,
                "token": form_token(article),
            },
        )
        assert response.status_code == 302, (vector, response.content[:500])
    posted = Comment.objects.filter(article=article)
    assert posted.count() == len(VECTORS)
    services.approve(posted, notify=False)

    page.goto(article.get_absolute_url())
    bodies = page.locator(".comment__body")
    assert bodies.count() == len(VECTORS)
    page.evaluate(PROVOKE, ".comment__card *")
    page.wait_for_timeout(300)

    assert injected_effects(page, watch) == NOTHING
    assert watch.console_errors == []
    assert watch.csp_violations() == []
    assert page.evaluate(ACTIVE_MARKUP, ".comment-list *") == []
    # Shown exactly as typed, markup and all.
    assert bodies.first.inner_text() == VECTORS[0]


def test_hostile_article_bodies_are_sanitised_and_do_nothing(context, page, watch, origin):
    author, section = EditorFactory(), SectionFactory()
    stories = [
        (ArticleFactory(title=f"Story {n}", body=vector, author=author, section=section), vector)
        for n, vector in enumerate(VECTORS)
    ]
    # Four tabs read the stories side by side: the pages are the same, only faster.
    tabs = [(page, watch)]
    for _ in range(TABS - 1):
        tab = context.new_page()
        tabs.append((tab, PageWatch(tab, origin)))
    refused_images = []

    for first in range(0, len(stories), TABS):
        # The last batch may be shorter than the row of tabs.
        batch = list(zip(tabs, stories[first : first + TABS], strict=False))
        for (tab, _), (article, _) in batch:
            tab.evaluate(NAVIGATE, origin + article.get_absolute_url())
        for (tab, tab_watch), (article, vector) in batch:
            tab.wait_for_url(origin + article.get_absolute_url())
            refused_images += check_article_page(tab, tab_watch, vector)

    # Exactly the remote pictures the sanitiser let through, and nothing else, were refused.
    remote_pictures = [vector for vector in VECTORS if REMOTE_PICTURE.search(clean_html(vector))]
    assert len(refused_images) == len(remote_pictures), (refused_images, remote_pictures)


def check_article_page(page, watch, vector):
    """Asserts the page did nothing the vector wanted; returns the remote pictures refused."""
    page.evaluate(PROVOKE, ".article__body *")

    assert injected_effects(page, watch) == NOTHING, vector
    assert page.evaluate(ACTIVE_MARKUP, ".article__body *") == [], vector
    # The allowlist drops remote <img src>; should one ever slip through, the CSP refuses the
    # load, so it never reaches the other host. Anything else refused is a failure.
    violations = watch.csp_violations()
    assert all(v.startswith("img-src ") for v in violations), (vector, violations)
    # `<img src=x onerror=…>` keeps an inert <img src="x">: a broken picture on this site.
    unexpected = [
        error
        for error in watch.console_errors
        if not error.startswith((REFUSED_PICTURE, BROKEN_PICTURE))
    ]
    assert unexpected == [], vector
    watch.console_errors.clear()
    return violations
