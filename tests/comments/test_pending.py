"""A reader's own comment awaiting moderation: shown to them alone, where it will appear
(comments/pending.py), never to anyone else nor to the page cache."""

import pytest
from django.core import signing
from django.test import Client

from comments import pending, services
from comments.models import Comment
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ApprovedCommentFactory, ArticleFactory
from tests.reading import page, texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def reader(address="203.0.113.7"):
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address)


def post(client, article, **fields):
    return client.post(comments_url(article), comment_data(article, **fields), follow=True)


def shown_pending(response):
    return texts(response, "li", class_="comment--pending")


def test_the_reader_lands_on_their_comment_marked_as_awaiting_moderation():
    article = ArticleFactory()
    ada = reader()

    landed = post(ada, article, name="Ada Reader", body="Not yet visible words")

    comment = Comment.objects.get()
    assert landed.redirect_chain == [(f"{article.get_absolute_url()}#comment-{comment.pk}", 302)]
    mine = page(landed).find("li", id=f"comment-{comment.pk}")
    assert mine is not None and "comment--pending" in mine.classes
    assert mine.find(class_="comment__received").text == (
        "Thank you, your comment was received. "
        "It awaits moderation: only you can see it until a moderator approves it."
    )
    assert "Not yet visible words" in mine.text
    assert "Ada Reader" in mine.text
    # In the comments part of the page, where approved comments are listed.
    assert mine.parent.parent.attrs.get("id") == "comments"
    assert "private" in landed["Cache-Control"]


def test_nobody_else_sees_it_and_the_cached_page_never_holds_it():
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, body="An approved comment")
    ada = reader()
    post(ada, article, body="Ada waiting words")

    ada_page = ada.get(article.get_absolute_url())
    stranger = reader("198.51.100.4").get(article.get_absolute_url())
    stranger_again = reader("198.51.100.5").get(article.get_absolute_url())

    assert "Ada waiting words" in ada_page.content.decode()
    assert stranger_again["X-Page-Cache"] == "hit"
    for other in (stranger, stranger_again):
        html = other.content.decode()
        assert "Ada waiting words" not in html
        assert "An approved comment" in html
        assert "comment--pending" not in html
        assert "private" not in other.get("Cache-Control", "")


def test_two_readers_each_see_only_their_own():
    article = ArticleFactory()
    ada, grace = reader("203.0.113.1"), reader("203.0.113.2")
    post(ada, article, name="Ada", email="ada@example.com", body="Ada words")
    post(grace, article, name="Grace", email="grace@example.com", body="Grace words")

    ada_html = ada.get(article.get_absolute_url()).content.decode()
    grace_html = grace.get(article.get_absolute_url()).content.decode()

    assert "Ada words" in ada_html and "Grace words" not in ada_html
    assert "Grace words" in grace_html and "Ada words" not in grace_html


def test_once_moderated_it_leaves_the_waiting_list(django_capture_on_commit_callbacks):
    article = ArticleFactory()
    ada = reader()
    post(ada, article, body="First words")
    post(ada, article, body="Second words")
    first, second = Comment.objects.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Comment.objects.filter(pk=first.pk), notify=False)
        services.reject(Comment.objects.filter(pk=second.pk))

    response = ada.get(article.get_absolute_url())
    assert shown_pending(response) == []
    assert "First words" in page(response).find("li", id=f"comment-{first.pk}").text
    assert "Second words" not in response.content.decode()


def test_a_pending_reply_names_the_comment_it_answers():
    article = ArticleFactory()
    parent = ApprovedCommentFactory(article=article, name="Grace")
    ada = reader()

    response = post(ada, article, parent=str(parent.pk), body="I agree with Grace")

    (mine,) = shown_pending(response)
    assert "in reply to Grace" in mine


def test_sending_the_same_words_again_is_received_not_refused():
    article = ArticleFactory()
    ada = reader()
    post(ada, article, body="Exactly these words.")

    again = post(ada, article, body="Exactly these words.")

    comment = Comment.objects.get()
    assert again.redirect_chain == [(comment.get_absolute_url(), 302)]
    assert "already posted" not in again.content.decode()
    assert len(shown_pending(again)) == 1


@pytest.mark.parametrize(
    "cookie",
    [
        "not-signed",
        signing.dumps([1], salt="another.salt"),
        signing.dumps({"ids": [1]}, salt=pending.SALT),
        signing.dumps(["1", None, 1.5], salt=pending.SALT),
    ],
    ids=["unsigned", "wrong-salt", "not-a-list", "not-ids"],
)
def test_a_forged_or_odd_cookie_shows_nothing(cookie):
    article = ArticleFactory()
    Comment.objects.create(article=article, name="Someone", email="s@example.com", body="Theirs")
    visitor = reader()
    visitor.cookies[pending.COOKIE] = cookie

    response = visitor.get(article.get_absolute_url())

    assert response.status_code == 200
    assert shown_pending(response) == []


def test_the_waiting_comments_cost_one_query_for_their_author_and_none_for_others(
    django_assert_num_queries,
):
    article = ArticleFactory()
    ada = reader()
    post(ada, article, body="Waiting words")
    url = article.get_absolute_url()
    reader("198.51.100.1").get(url)  # stores the page

    with django_assert_num_queries(0):
        assert reader("198.51.100.2").get(url)["X-Page-Cache"] == "hit"
    with django_assert_num_queries(1):
        response = ada.get(url)
    assert response["X-Page-Cache"] == "hit"
    assert len(shown_pending(response)) == 1
