"""The header's account part, a page-cache fill ("account", lifescope/page_cache.py).

Everyone who is not signed in gets the same "Sign in" link, which a shared page may keep. A
signed-in reader gets their display name, their account's pages and a sign-out button (a POST
with their CSRF token), as `page_cache.Own`: theirs alone, and the response private.
"""

from functools import lru_cache
from urllib.parse import urlencode

from allauth.account.utils import user_display
from django.template import engines
from markupsafe import escape

from lifescope import page_cache
from lifescope.addresses import url

SIGNED_IN = "accounts/includes/account_link.html"


def account_link(request, arg=""):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _sign_in(request.get_full_path() if arg == "back" else "")
    name = user_display(user)
    template = engines["jinja2"].get_template(SIGNED_IN)
    return page_cache.own_part(
        request,
        ("account", name),
        lambda csrf_input: template.render({"name": name, "csrf_input": csrf_input}),
    )


@lru_cache(maxsize=4096)
def _sign_in(back_to):
    """The link, which brings the reader back to the story or listing they were reading
    (`back_to`): the same for everyone on a page, so the page stays shared. Error pages and
    account pages give none: a 404 does not echo a guessed address. Made once per address
    (kept for the most recent 4,096): every anonymous page served carries it."""
    address = url("account_login")
    if back_to:
        address += "?" + urlencode({"next": back_to})
    return f'<a class="site-account site-account--out" href="{escape(address)}">Sign in</a>'
