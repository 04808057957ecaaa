"""With Redis down, readers still sign in and comment (README, "Reader accounts")."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from comments.models import Comment
from tests.accounts.conftest import make_reader, sign_in
from tests.factories import ArticleFactory


@pytest.mark.django_db
def test_a_reader_signs_in_and_comments_while_redis_is_down(redis_unreachable, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MIN_SECONDS_TO_SUBMIT": 0}
    reader = make_reader()
    article = ArticleFactory()
    client = Client()

    response = sign_in(client, reader.email)

    assert response.status_code == 302, response.content[:500]
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Commenting as <strong>Grace Reader</strong>" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    posted = client.post(
        f"/articles/{article.slug}/comments/", {"body": "Still here.", "token": token}
    )
    assert posted.status_code == 302
    assert Comment.objects.get().user == reader


@pytest.mark.django_db
def test_sign_up_waits_for_redis_rather_than_go_uncounted(redis_unreachable):
    data = {"name": "Ada", "email": "ada@example.com", "password1": "a-long-unusual-phrase"}
    response = Client().post("/accounts/signup/", {**data, "password2": data["password1"]})

    assert response.status_code == 429
    assert "Please try again later" in response.content.decode()
    assert not get_user_model().objects.exists()
