"""Signing in as a person does, through the one sign-in (allauth's form, throttled by axes):
`client.login()` is refused by axes, which needs the request."""

from django.urls import reverse


def sign_in(client, email, password, next_url="/admin/", **extra):
    """Posts allauth's sign-in form; a success redirects to `next_url` (or asks for a code),
    or, with `next_url=None`, where a reader lands (LOGIN_REDIRECT_URL)."""
    address = reverse("account_login")
    if next_url is not None:
        address += f"?next={next_url}"
    return client.post(address, {"login": email, "password": password}, **extra)
