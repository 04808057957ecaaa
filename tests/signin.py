"""Signing in as a person does, through the one sign-in (allauth's form, throttled by axes):
`client.login()` is refused by axes, which needs the request."""

from django.urls import reverse


def sign_in(client, email, password, next_url="/admin/", **extra):
    """Posts allauth's sign-in form; a success redirects to `next_url` (or asks for a code)."""
    return client.post(
        f"{reverse('account_login')}?next={next_url}",
        {"login": email, "password": password},
        **extra,
    )
