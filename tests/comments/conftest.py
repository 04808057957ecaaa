from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from comments.forms import form_token


def comment_data(article, **overrides):
    """What a reader's browser sends: the form as rendered a minute ago, filled in."""
    data = {
        "name": "Ada Reader",
        "email": "ada@example.com",
        "body": "A thoughtful comment about the story.",
        "parent": "",
        "token": form_token(article, now=timezone.now() - timedelta(seconds=60)),
        "website": "",
    }
    return {**data, **overrides}


def comments_url(article):
    # The public URL contract from the issue, spelled out on purpose.
    return f"/articles/{article.slug}/comments/"


@pytest.fixture
def rules(settings):
    """Changes moderation settings for one test: `rules(MAX_LINKS=0)`."""

    def change(**values):
        settings.COMMENTS = {**settings.COMMENTS, **values}

    return change


@pytest.fixture
def post_comment(client):
    """Posts a comment to `article` from one client; keyword arguments override form fields."""

    def post(article, *, as_client=None, address="203.0.113.7", follow=False, **fields):
        return (as_client or client).post(
            comments_url(article),
            comment_data(article, **fields),
            REMOTE_ADDR=address,
            follow=follow,
        )

    return post


@pytest.fixture
def verify():
    """Marks a reader's present e-mail address as verified and primary, as following the link
    in django-allauth's e-mail does: `verify(user)`."""

    def mark(user):
        EmailAddress.objects.filter(user=user).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    return mark
