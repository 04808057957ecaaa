"""A signed-in reader's own pages: their account, their comments, their data, leaving.

Never cached and private (`never_cache`): each shows one reader's own things. allauth serves
the rest (sign-in, sign-up, e-mail, password, second factor) in the same layout
(lifescope/layout.py). README, "Reader accounts", tells the whole.
"""

import json

from allauth.account import views as allauth_views
from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from accounts import services
from accounts.forms import DeleteAccountForm, DisplayNameForm, set_name
from comments.models import Comment


@method_decorator(never_cache, name="dispatch")
class ReaderView(LoginRequiredMixin, View):
    login_url = "account_login"


class AccountView(ReaderView):
    """My account: the display name, and the way to everything else of the account."""

    def get(self, request):
        form = DisplayNameForm(initial={"name": request.user.get_full_name()})
        return self.page(form)

    def post(self, request):
        form = DisplayNameForm(request.POST)
        if not form.is_valid():
            return self.page(form, status=400)
        set_name(request.user, form.cleaned_data["name"])
        messages.success(request, "Your display name is saved.")
        return redirect("accounts:profile")

    def page(self, form, status=200):
        return render(self.request, "accounts/profile.html", {"form": form}, status=status)


class MyCommentsView(ReaderView, ListView):
    """Every comment of the reader's, newest first, with what became of it in the words of
    `services.STATUS_FOR_AUTHOR` (held as spam looks like awaiting moderation)."""

    template_name = "accounts/comments.html"
    paginate_by = 20

    def get_queryset(self):
        return (
            Comment.objects.filter(user=self.request.user)
            .select_related("article")
            .only("body_html", "created", "status", "article__title", "article__slug")
            .order_by("-created", "-id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=services.STATUS_FOR_AUTHOR, **kwargs)


class DownloadView(ReaderView):
    """The reader's data as a JSON file (accounts.services.export)."""

    def get(self, request):
        data = services.export(request.user, request.build_absolute_uri)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="lifescope-news-my-data.json"'
        return response


@method_decorator(reauthentication_required, name="get")
@method_decorator(reauthentication_required, name="post")
class DeleteAccountView(ReaderView):
    """Asks on GET, deletes on POST; allauth asks for the password again first (or the second
    factor, or the social provider) when the reader has not just proved who they are."""

    def get(self, request):
        return self.page(DeleteAccountForm())

    def post(self, request):
        if request.user.is_staff:
            raise PermissionDenied("Staff accounts are closed by an administrator.")
        form = DeleteAccountForm(request.POST)
        if not form.is_valid():
            return self.page(form, status=400)
        keep = form.cleaned_data["comments"] == DeleteAccountForm.KEEP
        services.delete_account(request.user, keep_comments=keep)
        logout(request)
        return render(request, "accounts/deleted.html", {"kept": keep})

    def page(self, form, status=200):
        return render(self.request, "accounts/delete.html", {"form": form}, status=status)


# --- Links from e-mails that no longer (or never did) work -------------------------------------
# allauth explains a forged, used or expired link on a page of its own, answered 200; these say
# the same with a 400, so nothing (a crawler, a monitor, the reader's browser) takes the page
# for a success. Same addresses and names as allauth's, routed before them (accounts/urls.py).


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    def get(self, *args, **kwargs):
        response = super().get(*args, **kwargs)
        if self.object is None:
            response.status_code = 400
        return response

    def post(self, *args, **kwargs):
        # allauth's post() raises Http404 for a bad key; asked first, it gets the same page.
        if self.get_object_or_none() is None:
            return self.get(*args, **kwargs)
        return super().post(*args, **kwargs)

    def get_object_or_none(self):
        try:
            return self.get_object()
        except Http404:
            return None


class PasswordResetFromKeyView(allauth_views.PasswordResetFromKeyView):
    def dispatch(self, request, uidb36, key, **kwargs):
        response = super().dispatch(request, uidb36, key, **kwargs)
        if getattr(self, "reset_user", None) is None and response.status_code == 200:
            response.status_code = 400
        return response
