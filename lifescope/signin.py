"""Signing in, for readers and staff alike: django-allauth's pages, throttled by django-axes, with
a second factor required of staff. The design is told once, in the README's "Staff sign-in".

What is ours here is the glue:

- the admin's own login page only sends to allauth's (`admin_login`), and the admin lets a staff
  account in only once it has a second factor, when LIFESCOPE_STAFF_MFA asks for one
  (`may_use_admin`), as does every other page (`StaffSecondFactorMiddleware`); its "Log out"
  is allauth's;
- django-axes counts failed passwords against the account an address names (`account_key`), and
  refuses a paused account or client before allauth's form runs (`urlpatterns`), with a page
  that says when to try again (`paused_response`); allauth's own count of wrong passwords is
  off (accounts/adapter.py), so there is one;
- a password reset request is answered before the account is looked up and mailed
  (`DeferredResetPasswordForm`), and a new password ends the account's pause (a bad reset
  link answers 400: accounts/views.py).
"""

import logging
import math
import threading
from functools import partial

from allauth.account import signals as account_signals
from allauth.account import views as account_views
from allauth.account.forms import ResetPasswordForm
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from axes.decorators import axes_dispatch
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as reset_failed_sign_ins
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.core.signals import request_finished
from django.db.models import Max, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from lifescope.client import client_ip

logger = logging.getLogger(__name__)

# A second factor that signs in: an authenticator app or a passkey (recovery codes only stand in).
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


# --- The admin's door -------------------------------------------------------------------------
def must_set_up_second_factor(user):
    """Whether `user` is staff without a second factor while LIFESCOPE_STAFF_MFA asks for one."""
    return (
        settings.LIFESCOPE_STAFF_MFA
        and user.is_staff
        and not is_mfa_enabled(user, types=SECOND_FACTORS)
    )


def may_use_admin(request):
    """AdminSite.has_permission: every admin page asks it, and sends a refusal to `admin_login`."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    # Asked several times a page (the view, its navigation): the second factor is looked up once.
    answer = getattr(request, "_lifescope_may_use_admin", None)
    if answer is None or answer[0] != user.pk:
        answer = request._lifescope_may_use_admin = (user.pk, not must_set_up_second_factor(user))
    return answer[1]


def admin_login(request, extra_context=None):
    """AdminSite.login: not a form, a way on. Signed out, to allauth's sign-in (which asks staff
    with a second factor for their code); staff still without one, to set up an authenticator
    app; anyone else signed in, refused."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
    if user.is_active and must_set_up_second_factor(user):
        return to_second_factor_setup(request)
    if may_use_admin(request):
        return HttpResponseRedirect(next_url)
    raise PermissionDenied("This account may not use the newsroom's admin.")


def to_second_factor_setup(request):
    messages.info(
        request,
        "The newsroom asks staff for a second factor: set up an authenticator app to go on.",
    )
    return HttpResponseRedirect(reverse("mfa_activate_totp"))


# Where staff without their second factor may still go: allauth's pages (set one up, sign out)
# and the reader's own account pages, and the admin, whose door sends them on (`admin_login`).
SETUP_PATHS = ("/accounts/", "/admin/")


class StaffSecondFactorMiddleware:
    """Until a staff account has its second factor (when LIFESCOPE_STAFF_MFA asks for one), it
    is signed in only to set one up: every other page sends it there, so a password alone
    reads no draft and publishes no comment. Readers, and staff with a factor, pass for the
    cost of reading `is_staff` (a cached page never gets here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(SETUP_PATHS) and must_set_up_second_factor(
            request.user
        ):
            return to_second_factor_setup(request)
        return self.get_response(request)


# allauth's sign-out (POST only: ACCOUNT_LOGOUT_ON_GET is off), for the admin's "Log out" button.
admin_logout = account_views.logout


# --- Counting failed sign-ins (django-axes) ---------------------------------------------------
def account_key(request, credentials=None):
    """What django-axes counts a sign-in against (AXES_USERNAME_CALLABLE): the username of the
    account the given address (or username) names, so that other spellings and other addresses
    of one account share its count; an address of no account, as given, in lower case."""
    credentials = credentials or {}
    given = credentials.get("email") or credentials.get("username")
    if given is None:
        data = getattr(request, "data", None) or request.POST
        given = data.get("login") or data.get("username")
    if not given:
        return None
    given = str(given).strip()
    known = getattr(request, "_lifescope_account_keys", None)
    if known is None:
        known = request._lifescope_account_keys = {}
    if given not in known:
        users = filter_users_by_email(given) if "@" in given else []
        known[given] = users[0].get_username() if len(users) == 1 else given.lower()
    return known[given]


class SignInAttempts(AxesDatabaseHandler):
    """django-axes' database handler (AXES_HANDLER), but a successful sign-in clears only the
    failures against its own account.

    Axes would clear its client's failures too (AXES_RESET_ON_SUCCESS resets every lock-out
    parameter): then anyone with an account could guess at a colleague's for ever, a few tries
    between each of their own sign-ins from the same address.
    """

    def reset_user_attempts(self, request, credentials=None):
        return self.reset_attempts(username=get_client_username(request, credentials))


def paused_response(request, original_response, credentials):
    """django-axes' answer to a sign-in it refuses (AXES_LOCKOUT_CALLABLE): 429, what happened,
    when to try again and the way to a reset.

    The time given is the latest the pause can last: a cool-off after the newest failure
    counted against this account or this client. Refused tries are not counted
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so it holds until then.
    """
    now = timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    newest_failure = AccessAttempt.objects.filter(
        Q(ip_address=client_ip(request) or None)
        | Q(username=get_client_username(request, credentials)),
        attempt_time__gte=now - cool_off,
    ).aggregate(newest=Max("attempt_time"))["newest"]
    until = (newest_failure or now) + cool_off
    context = {"minutes": int(cool_off.total_seconds() // 60), "until": until}
    response = render(request, "sign_in_paused.html", context, status=429)
    response["Retry-After"] = str(math.ceil((until - now).total_seconds()))
    add_never_cache_headers(response)
    return response


def _end_pause_on_reset(sender, request, user, **kwargs):
    # Whoever holds the mailbox may choose the password, so the new one works at once.
    reset_failed_sign_ins(username=user.get_username())


account_signals.password_reset.connect(
    _end_pause_on_reset, dispatch_uid="lifescope.signin.end_pause_on_reset"
)


# --- Password reset ---------------------------------------------------------------------------
_after_response = threading.local()


def after_response(job):
    """Runs `job()` once the current response has gone out (Django's request_finished)."""
    jobs = getattr(_after_response, "jobs", None)
    if jobs is None:
        jobs = _after_response.jobs = []
    jobs.append(job)


def _run_after_response(**kwargs):
    jobs = getattr(_after_response, "jobs", None)
    _after_response.jobs = None
    for job in jobs or ():
        try:
            job()
        except Exception:
            logger.exception("A job left for after the response failed")


request_finished.connect(_run_after_response, dispatch_uid="lifescope.signin.after_response")


class DeferredResetPasswordForm(ResetPasswordForm):
    """allauth's reset form (ACCOUNT_FORMS), but the account is looked up and its e-mail sent
    after the response has gone out: both take longer when the address has an account, and the
    answer's timing must not tell."""

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def save(self, request, **kwargs):
        email = self.cleaned_data["email"]
        after_response(partial(_send_reset, request, email))
        return email


def _send_reset(request, email):
    with allauth_context.request_context(request):
        form = ResetPasswordForm({"email": email})
        if form.is_valid():
            form.save(request)


# Before allauth's own routes (lifescope/urls.py), under the same name: a paused account or
# client gets the pause page before allauth's form runs (as django-axes' documentation has it
# for allauth). A bad reset link's 400 is the accounts app's (accounts/views.py).
urlpatterns = [
    re_path(r"^accounts/login/$", axes_dispatch(account_views.login), name="account_login"),
]
