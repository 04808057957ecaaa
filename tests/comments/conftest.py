from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from comments import moderation
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
def verify(monkeypatch):
    """Marks a reader's present e-mail address as verified: `verify(user)`.

    With django-allauth installed (issue #18) as allauth records it; until then the hook
    `comments.moderation.is_verified` takes only staff as verified, so it learns these
    addresses, as allauth would, address by address.
    """
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        def mark(user):
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            return user

        return mark

    verified = set()
    unverified = moderation.is_verified
    monkeypatch.setattr(
        moderation,
        "is_verified",
        lambda user: (user.pk, user.email.lower()) in verified or unverified(user),
    )

    def mark(user):
        verified.add((user.pk, user.email.lower()))
        return user

    return mark
