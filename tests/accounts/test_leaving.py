"""A reader's data handed over, and their account deleted with their comments or their name."""

import json
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from comments.models import Comment, ReplySubscription
from tests.accounts.conftest import PASSWORD, make_reader, reauthenticate, sign_in
from tests.factories import ApprovedCommentFactory, ArticleFactory, CommentFactory, EditorFactory
from tests.reading import page

pytestmark = pytest.mark.django_db


def test_download_gives_the_profile_addresses_comments_and_subscriptions(reader_client, reader):
    article = ArticleFactory(title="The harbour reopens")
    ApprovedCommentFactory(user=reader, article=article, body="Published words")
    CommentFactory(user=reader, article=article, body="Waiting words")
    CommentFactory(article=article, body="Someone else's words")
    ReplySubscription.objects.create(user=reader, article=article)

    response = reader_client.get("/accounts/download/")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["display_name"] == "Grace Reader"
    assert data["email_addresses"] == [
        {"email": "grace@example.com", "verified": True, "primary": True}
    ]
    assert {(c["text"], c["status"]) for c in data["comments"]} == {
        ("Published words", "Published"),
        ("Waiting words", "Awaiting moderation"),
    }
    assert data["comments"][0]["url"].startswith("http://testserver/articles/")
    assert [s["article"] for s in data["reply_subscriptions"]] == ["The harbour reopens"]
    assert reader.username not in response.content.decode()


def test_download_says_of_each_comment_what_my_comments_says(reader_client, reader):
    # Held as spam reads "Awaiting moderation" to its author everywhere: telling a spammer
    # that the filter caught them teaches them to get past it.
    article = ArticleFactory()
    for body, status in [
        ("Cheap watches here", "spam"),
        ("Waiting words", "pending"),
        ("Published words", "approved"),
        ("Refused words", "rejected"),
    ]:
        CommentFactory(user=reader, article=article, body=body, status=status)

    data = json.loads(reader_client.get("/accounts/download/").content)
    listing = page(reader_client.get("/accounts/comments/"))

    downloaded = {c["text"]: c["status"] for c in data["comments"]}
    listed = {
        item.find("div", class_="comment__body").text.strip(): item.find(
            "span", class_="my-comment__status"
        ).text
        for item in listing.find_all("li", class_="my-comment")
    }
    assert downloaded["Cheap watches here"] == "Awaiting moderation"
    assert downloaded == listed
    assert "spam" not in json.dumps(data).lower()


def test_delete_asks_first_and_a_get_changes_nothing(leaving_client, reader):
    response = leaving_client.get("/accounts/delete/")

    assert response.status_code == 200
    assert "Delete my account" in response.content.decode()
    assert get_user_model().objects.filter(pk=reader.pk).exists()


def test_deleting_with_comments_removed_takes_them_and_signs_out(
    leaving_client, reader, django_capture_on_commit_callbacks, settings
):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    article = ArticleFactory()
    mine = ApprovedCommentFactory(user=reader, article=article, name="Grace Reader")
    ApprovedCommentFactory(article=article, parent=mine, body="A reply under it")
    kept = ApprovedCommentFactory(article=article, body="Someone else's")
    ReplySubscription.objects.create(user=reader, article=article)
    anonymous = Client()
    assert "Grace Reader" in anonymous.get(article.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = leaving_client.post("/accounts/delete/", {"comments": "remove"})

    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()
    assert list(Comment.objects.all()) == [kept]
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    assert not EmailAddress.objects.filter(user_id=reader.pk).exists()
    assert not ReplySubscription.objects.exists()
    article.refresh_from_db()
    assert article.comment_count == 1
    assert "Grace Reader" not in anonymous.get(article.get_absolute_url()).content.decode()
    assert leaving_client.get("/accounts/profile/").status_code == 302


def test_deleting_with_comments_kept_leaves_them_signed_deleted_reader(
    leaving_client, reader, django_capture_on_commit_callbacks, settings
):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    article = ArticleFactory()
    mine = ApprovedCommentFactory(user=reader, article=article, name="Grace Reader")
    waiting = CommentFactory(user=reader, article=article, name="Grace Reader")
    anonymous = Client()
    anonymous.get(article.get_absolute_url())  # the page is cached with the name on it

    with django_capture_on_commit_callbacks(execute=True):
        leaving_client.post("/accounts/delete/", {"comments": "keep"})

    for comment in (mine, waiting):
        comment.refresh_from_db()
        assert (comment.name, comment.email, comment.user, comment.fingerprint) == (
            "Deleted reader",
            "",
            None,
            "",
        )
    page = anonymous.get(article.get_absolute_url()).content.decode()
    assert "Grace Reader" not in page and "Deleted reader" in page


def test_a_bad_choice_deletes_nothing(leaving_client, reader):
    response = leaving_client.post("/accounts/delete/", {"comments": "everything"})
    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=reader.pk).exists()


def test_deleting_asks_for_the_password_first_and_again_after_a_while(reader_client, reader):
    response = reader_client.get("/accounts/delete/")
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Fdelete%2F"
    assert reader_client.post(response["Location"], {"password": "wrong"}).status_code == 200
    response = reader_client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == "/accounts/delete/"

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        response = reader_client.post("/accounts/delete/", {"comments": "remove"})
        assert response["Location"].startswith("/accounts/reauthenticate/")
        assert get_user_model().objects.filter(pk=reader.pk).exists()
        # The delete asked for is carried out once the password is given.
        reader_client.post(response["Location"], {"password": PASSWORD})
    assert not get_user_model().objects.filter(pk=reader.pk).exists()


def test_a_reader_deleted_with_a_session_open_elsewhere_is_signed_out_on_its_next_request(
    leaving_client, reader
):
    elsewhere = Client()
    sign_in(elsewhere, reader.email)
    assert elsewhere.get("/accounts/profile/").status_code == 200

    leaving_client.post("/accounts/delete/", {"comments": "remove"})

    assert elsewhere.get("/accounts/profile/").status_code == 302
    header = elsewhere.get("/").content.decode()
    assert "Grace Reader" not in header and ">Sign in</a>" in header


def test_staff_accounts_are_not_deleted_here():
    editor = EditorFactory()
    client = Client()
    sign_in(client, editor.email)
    reauthenticate(client)
    assert "closed by an administrator" in client.get("/accounts/delete/").content.decode()
    assert client.post("/accounts/delete/", {"comments": "remove"}).status_code == 403
    assert get_user_model().objects.filter(pk=editor.pk).exists()


def test_another_readers_comments_are_untouched(leaving_client, reader):
    other = make_reader("Ada", "ada@example.com")
    theirs = ApprovedCommentFactory(user=other, name="Ada")
    leaving_client.post("/accounts/delete/", {"comments": "keep"})
    theirs.refresh_from_db()
    assert (theirs.name, theirs.user) == ("Ada", other)
