"""A reader's whole life with an account, in a real browser: sign up, verify from the e-mail,
comment as themselves, hear of a reply, unsubscribe, take their data and leave. And the account
pages under axe-core, at a phone's width and a desk's."""

import json
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from comments.models import Comment
from tests.browser.conftest import new_context
from tests.browser.support import BROWSER_TEST, DESKTOP, NO_PLAYWRIGHT, PHONE, log_in, run_axe
from tests.factories import ApprovedCommentFactory, ArticleFactory, ModeratorFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

pytestmark = BROWSER_TEST
PASSWORD = "a-long-unusual-phrase"


def approve(moderator, comment):
    moderator.goto("/admin/comments/comment/")
    moderator.check(f"input.action-select[value='{comment.pk}']")
    moderator.select_option("select[name=action]", "approve_selected")
    moderator.click("button[name=index]")
    expect(moderator.locator(".messagelist")).to_contain_text("Approved 1 comment(s).")


def mail_to(address, subject_has):
    found = [m for m in mail.outbox if m.to == [address] and subject_has in m.subject]
    assert found, [(m.to, m.subject) for m in mail.outbox]
    return found[-1]


def sign_up(page, name, email):
    """Fills in and sends the sign-up form the page shows; the reader is asked to verify."""
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("h1")).to_have_text("Verify Your Email Address")


def confirmation_link(email):
    """The verification link in the last "Confirm" e-mail sent to `email`."""
    welcome = mail_to(email, "Confirm")
    return re.search(r"http://\S+/accounts/confirm-email/\S+/", welcome.body).group(0)


def test_a_reader_signs_up_comments_hears_of_a_reply_and_leaves(
    page, reader_page, browser, origin, watch, comment_settings
):
    article = ArticleFactory(title="The harbour reopens")
    ModeratorFactory(username="night-desk")

    # Sign up, from the header's link.
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="sign up").click()
    sign_up(page, "Ada Lovelace", "ada@example.com")

    # The link in the e-mail, absolute, verifies the address and signs the reader in.
    link = confirmation_link("ada@example.com")
    assert link.startswith(origin)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".site-account__name")).to_have_text("Ada Lovelace")
    assert EmailAddress.objects.get(email="ada@example.com").verified

    # Comment without a name or an address, asking to hear of replies.
    page.goto(article.get_absolute_url() + "#comment-form")
    expect(page.locator(".comment-form__as")).to_have_text("Commenting as Ada Lovelace.")
    expect(page.locator("#comment-form #id_name")).to_have_count(0)
    expect(page.locator("#comment-form #id_email")).to_have_count(0)
    page.fill("#id_body", "Glad to see the ferries back.")
    page.get_by_label("E-mail me when someone replies").check()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment--pending")).to_contain_text("Glad to see the ferries back.")
    mine = Comment.objects.get(user__email="ada@example.com")
    assert (mine.name, mine.email) == ("Ada Lovelace", "ada@example.com")

    # A moderator publishes it; someone else replies; the moderator publishes the reply.
    moderator = new_context(browser, origin).new_page()
    log_in(moderator, "night-desk@example.com", "correct horse battery")
    approve(moderator, mine)
    reader_page.goto(f"{article.get_absolute_url()}?reply_to={mine.pk}#comment-form")
    reader_page.fill("#id_name", "Grace")
    reader_page.fill("#id_email", "grace@example.com")
    reader_page.fill("#id_body", "They run every hour now.")
    reader_page.get_by_role("button", name="Post comment").click()
    expect(reader_page.locator(".comment--pending")).to_contain_text("They run every hour")
    approve(moderator, Comment.objects.get(parent=mine))
    moderator.context.close()

    # The reply e-mail arrives; its unsubscribe link works without anything else.
    news = mail_to("ada@example.com", "reply")
    assert "They run every hour now." in news.body
    unsubscribe = re.search(r"Stop these e-mails: (\S+)", news.body).group(1)
    assert unsubscribe.startswith(origin)
    page.goto(unsubscribe)
    page.get_by_role("button", name="Stop e-mails about replies").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")

    # Their data, as a file.
    page.goto("/accounts/profile/")
    with page.expect_download() as download:
        page.locator(".account").get_by_role("link", name="Download my data").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["profile"]["display_name"] == "Ada Lovelace"
    assert [c["text"] for c in data["comments"]] == ["Glad to see the ferries back."]
    assert data["reply_subscriptions"] == []

    # Leaving: the password again, a choice, and the comment stays as a deleted reader's.
    page.get_by_role("link", name="Delete my account").click()
    expect(page.locator("h1")).to_have_text("Confirm Access")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Delete my account")
    page.get_by_label("Keep my comments on the site").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("h1")).to_have_text("Your account is deleted")
    expect(page.locator(".site-header").get_by_role("link", name="Sign in")).to_be_visible()
    mine.refresh_from_db()
    assert (mine.name, mine.email, mine.user) == ("Deleted reader", "", None)
    page.goto(article.get_absolute_url())
    expect(page.locator("#comments")).to_contain_text("Deleted reader")
    expect(page.locator("body")).not_to_contain_text("Ada Lovelace")
    watch.assert_clean()


def sign_in(page, email, password="correct horse battery"):
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.locator(".site-account__name")).to_be_visible()


ANONYMOUS = {"login": "/accounts/login/", "signup": "/accounts/signup/"}
SIGNED_IN = {
    "account": "/accounts/profile/",
    "my-comments": "/accounts/comments/",
    "e-mail": "/accounts/email/",
    "password-change": "/accounts/password/change/",
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_the_account_pages_pass_axe_and_fit_the_screen(page, watch, artifacts, viewport):
    grace = UserFactory(first_name="Grace Reader", last_name="", email="grace@example.com")
    EmailAddress.objects.create(user=grace, email=grace.email, verified=True, primary=True)
    article = ArticleFactory(title="The harbour reopens")
    ApprovedCommentFactory(user=grace, article=article, body="Well reported, thank you.")
    page.set_viewport_size(viewport)

    found = {}

    def check(label, url=None):
        """The page at url, or without one the page the reader is on."""
        if url:
            assert page.goto(url).status == 200, label
        found[label] = run_axe(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], label
        page.screenshot(
            path=str(artifacts / f"account-{label}-{viewport['width']}px.png"), full_page=True
        )

    for label, url in ANONYMOUS.items():
        check(label, url)
    check("password-reset", "/accounts/password/reset/")

    # The pages reached only by doing something, as a throwaway reader does: signing up, the
    # password asked again before deleting, deleting, and the page after it.
    page.goto("/accounts/signup/")
    sign_up(page, "Brief Visitor", "brief@example.com")
    assert page.url.endswith("/accounts/confirm-email/")
    check("verification-sent")
    page.goto(confirmation_link("brief@example.com"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".site-account__name")).to_have_text("Brief Visitor")
    page.goto("/accounts/profile/")
    account_pages = page.get_by_role("navigation", name="Account pages")
    account_pages.get_by_role("link", name="Delete my account").click()
    expect(page.locator("h1")).to_have_text("Confirm Access")
    assert page.url.split("?")[0].endswith("/accounts/reauthenticate/")
    check("reauthenticate")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Delete my account")
    check("delete")
    page.get_by_label("Keep my comments on the site").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("h1")).to_have_text("Your account is deleted")
    check("deleted")

    sign_in(page, grace.email)
    for label, url in SIGNED_IN.items():
        check(label, url)

    assert found == {label: [] for label in found}
    watch.assert_clean()
