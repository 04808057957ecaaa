"""A moderator's shift: the queue, a bulk approval, a bulk spam mark, and what readers then see."""

import pytest

from comments.models import Comment
from tests.browser.support import BROWSER_TEST, NO_PLAYWRIGHT, log_in
from tests.factories import ArticleFactory, CommentFactory, ModeratorFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST


@pytest.fixture
def queue(db):
    article = ArticleFactory(title="The bridge reopens after two years")
    return {
        "article": article,
        "good": CommentFactory(article=article, body="Finally! My commute is halved."),
        "spam": CommentFactory(article=article, body="Cheap watches at my shop, best prices."),
        "later": CommentFactory(article=article, body="Is it open to cyclists too?"),
    }


def select_and_run(page, comment, action):
    page.check(f"input.action-select[value='{comment.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_moderator_approves_one_and_marks_one_as_spam_and_readers_see_only_the_first(
    page, watch, reader_page, queue
):
    ModeratorFactory(username="night-desk")
    log_in(page, "night-desk@example.com", "correct horse battery")

    page.goto("/admin/comments/comment/")
    expect(page.locator(".comments-pending")).to_contain_text("3 comments awaiting moderation")
    page.locator(".comments-pending a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)

    select_and_run(page, queue["good"], "approve_selected")
    expect(page.locator(".messagelist")).to_contain_text("Approved 1 comment(s).")
    select_and_run(page, queue["spam"], "mark_spam_selected")
    expect(page.locator(".messagelist")).to_contain_text("Marked 1 comment(s) as spam.")
    expect(page.locator(".comments-pending")).to_contain_text("1 comment awaiting moderation")
    watch.assert_clean()

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {
        queue["good"].pk: Comment.Status.APPROVED,
        queue["spam"].pk: Comment.Status.SPAM,
        queue["later"].pk: Comment.Status.PENDING,
    }

    # A moderator can do nothing else in the admin.
    response = page.goto("/admin/articles/article/")
    assert response.status == 403

    reader_page.goto(queue["article"].get_absolute_url())
    expect(reader_page.locator("#comments-title")).to_have_text("Comments (1)")
    bodies = reader_page.locator(".comment__body")
    expect(bodies).to_have_count(1)
    expect(bodies).to_have_text("Finally! My commute is halved.")
    expect(reader_page.get_by_text("Cheap watches")).to_have_count(0)
    expect(reader_page.get_by_text("open to cyclists")).to_have_count(0)
