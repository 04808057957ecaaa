"""Staff sign-in: resetting a forgotten password by e-mail, and the page of a paused sign-in.

The reset is Django's own (PasswordResetView and its three companions), shown as admin pages.
No answer tells whether an address has an account: known and unknown addresses get the same
redirect to the same page, and the account is looked up and its e-mail sent only after the
response has gone out (`after_response`), so not even the time taken differs. Requests are
counted in the cache: a client asking too often gets a 429 page, and an address gets only a few
e-mails per window, however often it is asked for (the askers are answered as usual).
Setting a new password this way also ends the account's sign-in pause.

Failed sign-ins are counted by django-axes (settings: AXES_*) through `SignInAttempts`, and
`paused_response` is the page of a refused sign-in.
"""

import hashlib
import logging
import math
import threading
from datetime import timedelta
from functools import partial

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as reset_failed_sign_ins
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.signals import request_finished
from django.db.models import Max, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.timesince import timesince

from lifescope.client import client_ip

logger = logging.getLogger(__name__)

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


def take_reset_slot(name, limit):
    """Counts one reset request against `name`; False once the window's `limit` is passed.

    `cache.add` then `cache.incr` are each atomic in Redis, so processes never lose a count.
    While the cache cannot count (Redis away: django-redis answers None) requests pass, since
    refusing every staff member a reset would be the worse failure.
    """
    seconds = settings.STAFF_SIGN_IN["RESET_WINDOW_SECONDS"]
    key = f"signin:reset:{name}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts a new window
        cache.add(key, 1, timeout=seconds)
        count = 1
    return count is None or count <= limit


class AdminPage:
    """The admin's name on an auth view that admin.site does not serve (its pages extend the
    admin's templates), without the navigation of a signed-in user."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(site_header=admin.site.site_header, site_title=admin.site.site_title)
        return context


class DeferredPasswordResetForm(PasswordResetForm):
    def save(self, **options):
        # Looking the address up and sending its e-mail take longer when it has an account:
        # done after the response, they cannot show in its timing.
        after_response(partial(super().save, **options))


class PasswordResetView(AdminPage, auth_views.PasswordResetView):
    form_class = DeferredPasswordResetForm

    @property
    def extra_email_context(self):
        now = timezone.now()
        valid_for = timesince(now - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now)
        return {
            "site_name": settings.LIFESCOPE["SITE_NAME"],
            "valid_for": valid_for.replace("\N{NO-BREAK SPACE}", " "),
        }

    def form_valid(self, form):
        limits = settings.STAFF_SIGN_IN
        if not take_reset_slot(
            f"client:{client_ip(self.request)}", limits["RESET_REQUESTS_PER_CLIENT"]
        ):
            context = {**self.get_context_data(form=form), "title": "Too many requests"}
            response = render(
                self.request, "registration/password_reset_refused.html", context, status=429
            )
            response["Retry-After"] = str(limits["RESET_WINDOW_SECONDS"])
            return response
        address = hashlib.sha256(form.cleaned_data["email"].casefold().encode()).hexdigest()
        if not take_reset_slot(f"address:{address}", limits["RESET_EMAILS_PER_ADDRESS"]):
            # The same answer as for any address: this mailbox has had its share for now.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(AdminPage, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(AdminPage, auth_views.PasswordResetConfirmView):
    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # A good link redirects to the form; a forged, used or expired one gets a page saying
        # so (validlink false), and nothing is changed.
        if response.status_code == 200 and not self.validlink:
            response.status_code = 400
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever holds the mailbox may choose the password, so the new one works at once.
        reset_failed_sign_ins(username=form.user.get_username())
        return response


class PasswordResetCompleteView(AdminPage, auth_views.PasswordResetCompleteView):
    pass


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
    context = {
        "title": "Sign-in paused",
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "minutes": int(cool_off.total_seconds() // 60),
        "until": until,
    }
    response = render(request, "registration/sign_in_paused.html", context, status=429)
    response["Retry-After"] = str(math.ceil((until - now).total_seconds()))
    add_never_cache_headers(response)
    return response
