"""Signed-in readers in a real browser: the reply box, the unsubscribe page, a moderator's block."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from comments import replies
from comments.models import BlockedReader, ReplySubscription
from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in, run_axe
from tests.factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST
VIEWPORTS = [("phone", PHONE), ("desktop", DESKTOP)]


def sign_in_as_reader(context, origin, user):
    """The browser is handed the session a sign-in would make; signing in through the account
    pages is test_reader_account_journey.py's."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": origin}]
    )


@pytest.mark.parametrize(("device", "viewport"), VIEWPORTS)
def test_a_signed_in_reader_asks_for_reply_e_mails(
    page, context, origin, watch, artifacts, comment_settings, device, viewport
):
    reader = UserFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    article = ArticleFactory(title="The harbour reopens")
    sign_in_as_reader(context, origin, reader)
    page.set_viewport_size(viewport)

    page.goto(article.get_absolute_url() + "#comment-form")
    box = page.get_by_label("E-mail me when someone replies")
    expect(box).not_to_be_checked()
    page.fill("#id_body", "Glad to see the ferries back.")
    box.check()
    page.locator("#comment-form").scroll_into_view_if_needed()
    path = artifacts / f"reply-emails-box-{viewport['width']}px.png"
    page.screenshot(path=str(path))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Post comment").click()

    expect(page.locator(".comment--pending")).to_contain_text("Glad to see the ferries back.")
    assert list(ReplySubscription.objects.values_list("user", "article")) == [
        (reader.pk, article.pk)
    ]
    watch.assert_clean()


@pytest.mark.parametrize(("device", "viewport"), VIEWPORTS)
def test_the_unsubscribe_page_asks_then_stops_the_e_mails(page, watch, artifacts, device, viewport):
    reader = UserFactory()
    article = ArticleFactory(title="The harbour reopens")
    ReplySubscription.objects.create(user=reader, article=article)
    page.set_viewport_size(viewport)

    page.goto(replies.unsubscribe_path(reader.pk, article.pk))
    expect(page.locator("h1")).to_have_text("Stop e-mails about replies?")
    page.screenshot(path=str(artifacts / f"unsubscribe-asking-{viewport['width']}px.png"))
    assert run_axe(page) == []
    page.get_by_role("button", name="Stop e-mails about replies").click()

    expect(page.locator("h1")).to_have_text("You are unsubscribed")
    page.screenshot(path=str(artifacts / f"unsubscribe-done-{viewport['width']}px.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not ReplySubscription.objects.exists()
    watch.assert_clean()


@pytest.mark.parametrize(("device", "viewport"), VIEWPORTS)
def test_a_moderator_blocks_a_reader_from_a_comment_and_reads_their_history(
    page, watch, artifacts, device, viewport
):
    reader = UserFactory(username="loud-reader")
    comment = CommentFactory(user=reader, body="Everyone here is wrong.")
    CommentFactory(user=reader, body="Still wrong.", status="rejected")
    ModeratorFactory(username="night-desk")
    log_in(page, "night-desk@example.com", "correct horse battery")
    page.set_viewport_size(viewport)

    page.goto(reverse("admin:comments_comment_change", args=[comment.pk]))
    page.get_by_role("button", name="Block this account").click()

    expect(page.locator(".messagelist")).to_contain_text("Blocked 1 account(s).")
    expect(page.locator(".field-reader")).to_contain_text("Blocked on")
    page.screenshot(
        path=str(artifacts / f"admin-comment-blocked-{viewport['width']}px.png"), full_page=True
    )
    assert BlockedReader.objects.filter(user=reader).exists()
    page.get_by_role("link", name="Every comment by account loud-reader").click()
    expect(page.locator(".comments-history")).to_contain_text("by account loud-reader")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.screenshot(
        path=str(artifacts / f"admin-reader-history-{viewport['width']}px.png"), full_page=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    watch.assert_clean()
