"""The admin keeps working under the site's Content-Security-Policy: no refusals, scripts run."""

import pytest
from django.urls import NoReverseMatch, reverse

from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, log_in
from tests.factories import ApprovedCommentFactory, ArticleFactory, StaffFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST


@pytest.fixture
def admin_pages(db):
    """Every kind of admin page the newsroom uses, by name; routes not built yet are left out."""
    StaffFactory(username="chief", is_superuser=True)
    article = ArticleFactory(tags=["Politics"])
    comment = ApprovedCommentFactory(article=article)
    names = {
        "index": ("admin:index", []),
        "articles": ("admin:articles_article_changelist", []),
        "new article": ("admin:articles_article_add", []),
        "article": ("admin:articles_article_change", [article.pk]),
        "article history": ("admin:articles_article_history", [article.pk]),
        "new section": ("admin:articles_section_add", []),
        "comments": ("admin:comments_comment_changelist", []),
        "comment": ("admin:comments_comment_change", [comment.pk]),
        "tags": ("admin:taggit_tag_changelist", []),
        "users": ("admin:auth_user_changelist", []),
    }
    pages = {}
    for label, (name, args) in names.items():
        try:
            pages[label] = reverse(name, args=args)
        except NoReverseMatch:
            continue
    return pages


def test_every_admin_page_loads_without_a_csp_refusal(page, watch, admin_pages):
    log_in(page, "chief@example.com", "correct horse battery")

    for label, url in admin_pages.items():
        response = page.goto(url)
        page.wait_for_load_state("load")
        assert response.status == 200, label
        assert watch.csp_violations() == [], label
        assert watch.console_errors == [], label
    watch.assert_clean()


def test_the_admins_own_scripts_still_run(page, watch, admin_pages):
    log_in(page, "chief@example.com", "correct horse battery")

    page.goto(admin_pages["new section"])
    page.locator("#id_name").press_sequentially("Science and Health")
    # prepopulate.js fills the slug as the name is typed.
    expect(page.locator("#id_slug")).to_have_value("science-and-health")

    page.goto(admin_pages["new article"])
    page.locator("#id_published_at_0 ~ .datetimeshortcuts a", has_text="Today").click()
    expect(page.locator("#id_published_at_0")).not_to_have_value("")
    watch.assert_clean()
