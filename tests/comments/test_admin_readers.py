"""Moderators and readers' accounts: a reader's history from any comment, block and unblock."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from comments import services
from comments.models import BlockedReader, Comment
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    StaffFactory,
    UserFactory,
)
from tests.reading import page

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def listed(response):
    return list(response.context["cl"].result_list)


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.com")


@pytest.fixture
def adas_comments(ada):
    """One of Ada's comments in each status, and one of someone else's."""
    comments = [
        ApprovedCommentFactory(user=ada, email=ada.email, body="Approved one"),
        CommentFactory(user=ada, email=ada.email, body="Waiting one"),
        CommentFactory(user=ada, email=ada.email, body="Rejected one", status="rejected"),
        CommentFactory(user=ada, email=ada.email, body="Spam one", status="spam"),
    ]
    CommentFactory(email=ada.email, body="Anonymous, same address")
    CommentFactory(body="Someone else")
    return comments


# --- History -----------------------------------------------------------------------------------
def test_a_comments_page_links_to_every_comment_of_its_account(client, moderator, adas_comments):
    client.force_login(moderator)

    form = client.get(change_url(adas_comments[1]))
    link = page(form).find("div", class_="field-reader").find("a")
    history = client.get(link.attrs["href"])

    assert link.attrs["href"] == f"{CHANGELIST}?user__id__exact={adas_comments[0].user_id}"
    assert link.text == "Every comment by account ada"
    assert {c.body for c in listed(history)} == {c.body for c in adas_comments}
    assert "Every comment by account ada, whatever its status." in page(history).text


def test_without_an_account_the_history_is_by_e_mail_address(client, moderator):
    first = CommentFactory(email="Bob@Example.com", body="First")
    ApprovedCommentFactory(email="bob@example.com", body="Second")
    CommentFactory(email="bobby@example.com", body="Not Bob")
    client.force_login(moderator)

    link = page(client.get(change_url(first))).find("div", class_="field-reader").find("a")
    history = client.get(link.attrs["href"])

    assert link.text == "Every comment from Bob@Example.com"
    assert sorted(c.body for c in listed(history)) == ["First", "Second"]
    assert "Every comment from Bob@Example.com, whatever its status." in page(history).text


def test_every_row_of_the_queue_links_to_its_readers_history(client, moderator, ada):
    mine = CommentFactory(user=ada, name="Ada L")
    anonymous = CommentFactory(name="Bob", email="bob+news@example.com")
    BlockedReader.objects.create(user=ada)
    client.force_login(moderator)

    rows = {
        row.find("td", class_="field-author").text: row.find("td", class_="field-author")
        for row in page(client.get(CHANGELIST)).find("table", id="result_list").find_all("tr")[1:]
    }

    assert set(rows) == {"Ada L (account ada, blocked) · history", "Bob · history"}
    links = {text: cell.find("a").attrs["href"] for text, cell in rows.items()}
    assert links["Ada L (account ada, blocked) · history"].endswith(
        f"?user__id__exact={mine.user_id}"
    )
    assert links["Bob · history"].endswith("?email__iexact=bob%2Bnews%40example.com")
    assert [c.pk for c in listed(client.get(links["Bob · history"]))] == [anonymous.pk]


@pytest.fixture
def deleted_readers_comments():
    """Two readers who deleted their accounts and kept their comments: "Deleted reader",
    with neither account nor address."""
    kept = []
    for name in ("ada", "bob"):
        reader = UserFactory(username=name, email=f"{name}@example.com")
        kept.append(CommentFactory(user=reader, email=reader.email, body=f"{name} wrote this"))
        services.forget_reader(reader, keep_comments=True)
    return [Comment.objects.get(pk=comment.pk) for comment in kept]


def test_a_deleted_readers_comment_offers_no_history(client, moderator, deleted_readers_comments):
    client.force_login(moderator)
    comment = deleted_readers_comments[0]

    reader = page(client.get(change_url(comment))).find("div", class_="field-reader")
    queue = page(client.get(CHANGELIST)).find("table", id="result_list")
    authors = queue.find_all("td", class_="field-author")

    assert (comment.name, comment.email, comment.user) == ("Deleted reader", "", None)
    assert reader.find("a") is None
    assert "Every comment from" not in reader.text
    assert "No account and no address" in reader.text
    assert [cell.text for cell in authors] == ["Deleted reader", "Deleted reader"]
    assert [cell.find("a") for cell in authors] == [None, None]


def test_an_empty_address_is_nobodys_history(client, moderator, deleted_readers_comments):
    client.force_login(moderator)

    response = client.get(CHANGELIST + "?email__iexact=")

    assert response.status_code == 400
    shown = page(response)
    assert "Every comment from" not in shown.text
    assert "wrote this" not in shown.text
    assert "names no reader" in shown.find("div", id="content").text


def test_the_history_takes_the_same_queries_for_1_and_50_comments(
    client, moderator, ada, count_queries
):
    article = ArticleFactory()
    parent = ApprovedCommentFactory(article=article)
    BlockedReader.objects.create(user=ada)
    client.force_login(moderator)
    url = f"{CHANGELIST}?user__id__exact={ada.pk}"
    client.get(url)  # the session and permissions, read once per client
    counted = {}
    for rows in (1, 50):
        while Comment.objects.filter(user=ada).count() < rows:
            CommentFactory(article=article, user=ada, parent=parent if rows > 1 else None)
        response, counted[rows] = count_queries(client, url)
        assert len(listed(response)) == rows

    # The session (unless the cache holds it), the user, their permissions (2), the waiting
    # count, whose history, the article filter, two counts, the page of comments (blocked or
    # not in the same query), the dates (2).
    assert counted[1] == counted[50] <= 12


# --- Block and unblock ------------------------------------------------------------------------
def test_a_moderator_blocks_and_unblocks_from_the_comments_page(client, moderator, ada):
    comment = CommentFactory(user=ada)
    client.force_login(moderator)

    before = page(client.get(change_url(comment)))
    blocked = client.post(
        change_url(comment), {"status": "pending", "_block_author": "1"}, follow=True
    )
    after = page(blocked)
    unblocked = client.post(
        change_url(comment), {"status": "pending", "_unblock_author": "1"}, follow=True
    )

    assert before.find("input", name="_block_author").attrs["value"] == "Block this account"
    assert "Not blocked." in before.find("div", class_="field-reader").text
    assert blocked.redirect_chain == [(change_url(comment), 302)]
    assert "Blocked 1 account(s)." in after.text
    assert after.find("input", name="_unblock_author") is not None
    assert f"by {moderator}" in after.find("div", class_="field-reader").text
    assert "Unblocked 1 account(s)." in page(unblocked).text
    assert not BlockedReader.objects.exists()
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_moderators_block_the_authors_of_selected_comments(client, moderator, ada):
    other = UserFactory()
    comments = [CommentFactory(user=ada), CommentFactory(user=ada), CommentFactory(user=other)]
    CommentFactory()  # anonymous: no account to block
    client.force_login(moderator)

    client.post(
        CHANGELIST,
        {"action": "block_authors", "_selected_action": [c.pk for c in Comment.objects.all()]},
    )
    blocked = set(BlockedReader.objects.values_list("user", "blocked_by"))
    client.post(CHANGELIST, {"action": "unblock_authors", "_selected_action": [comments[2].pk]})

    assert blocked == {(ada.pk, moderator.pk), (other.pk, moderator.pk)}
    assert list(BlockedReader.objects.values_list("user", flat=True)) == [ada.pk]
    assert set(Comment.objects.values_list("status", flat=True)) == {"pending"}


@pytest.fixture
def staff_without_moderation():
    """Staff who may view and change comments, but not moderate them."""
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    return user


@pytest.mark.parametrize(
    ("who", "button", "blocks"),
    [("moderator", True, True), ("staff without moderation", False, False)],
)
def test_only_moderators_may_block(
    client, moderator, staff_without_moderation, ada, who, button, blocks
):
    comment = CommentFactory(user=ada)
    client.force_login(moderator if who == "moderator" else staff_without_moderation)

    form = page(client.get(change_url(comment)))
    client.post(change_url(comment), {"status": "pending", "_block_author": "1"})
    client.post(CHANGELIST, {"action": "block_authors", "_selected_action": [comment.pk]})

    assert (form.find("input", name="_block_author") is not None) is button
    assert BlockedReader.objects.filter(user=ada).exists() is blocks


def test_no_block_button_for_a_comment_without_an_account(client, moderator):
    comment = CommentFactory()
    client.force_login(moderator)

    form = page(client.get(change_url(comment)))
    client.post(change_url(comment), {"status": "pending", "_block_author": "1"})

    assert form.find("input", name="_block_author") is None
    assert not BlockedReader.objects.exists()
