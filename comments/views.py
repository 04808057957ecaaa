from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_callable
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from articles.models import Article
from comments import services
from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import policy
from lifescope import client


def _foreign_origin(request):
    """True when a browser says the form was sent from another site's page."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


# CSRF, decided for the page cache (lifescope/page_cache.py). Anonymous readers get the article
# page from the cache, shared by everyone, so it cannot hold a per-visitor CSRF token, and a
# shared one would be worth nothing. Anonymous posts therefore go without Django's token check:
# a forged post from another site gains nothing an attacker could not do by posting directly,
# since it carries no account. What stops bots is the honeypot, the signed form token (which
# article, when shown: too fast or too old is refused) and the per-client rate limit. One thing
# a forged post could borrow is the victim's address-based fingerprint (trusted for returning
# readers), so a post whose browser names a foreign Origin is refused; browsers send Origin with
# every cross-site POST. A signed-in reader never gets a cached page, so their form carries a
# token and their post is checked exactly as CsrfViewMiddleware would.
_csrf = CsrfViewMiddleware(lambda request: None)


@method_decorator(csrf_exempt, name="dispatch")
class PostCommentView(View):
    """Takes a reader's comment for an article, then sends them back to it (POST-redirect-GET).

    Refusals answer with the reason and the reader's words intact: 403 when the article is
    closed, 429 when the client posts too often, 400 with the form's errors otherwise.
    """

    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            if request.user.is_authenticated:
                refused = _csrf.process_view(request, None, (), {})
                if refused is not None:
                    return refused
            elif _foreign_origin(request):
                return get_callable(settings.CSRF_FAILURE_VIEW)(request, reason="Foreign origin.")
        articles = Article.objects.published().select_related("author")
        self.article = get_object_or_404(articles, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect(self.article.get_absolute_url() + "#comments")

    def post(self, request, *args, **kwargs):
        closed = policy.closed_reason(self.article)
        if closed:
            return self.refuse("comments/closed.html", 403, reason=closed)
        fingerprint = policy.client_fingerprint(request)
        if not policy.take_rate_limit_slot(fingerprint):
            response = self.refuse("comments/rate_limited.html", 429)
            response["Retry-After"] = str(policy.retry_after_seconds)
            return response
        form = CommentForm(
            request.POST,
            article=self.article,
            user=request.user,
            fingerprint=fingerprint,
            user_agent=client.user_agent(request),
        )
        if not form.is_valid():
            replying_to = form.cleaned_data.get("parent")
            return self.refuse("comments/form_errors.html", 400, form=form, replying_to=replying_to)
        comment = services.submit(form.comment)
        if comment.status == Comment.Status.APPROVED:
            messages.success(request, "Thank you. Your comment is published.")
            return HttpResponseRedirect(comment.get_absolute_url())
        # Spam is held like any other comment; telling its author would teach them.
        messages.success(
            request,
            "Thank you. Your comment awaits moderation and will appear once a moderator "
            "approves it.",
        )
        return HttpResponseRedirect(self.article.get_absolute_url() + "#comments")

    def refuse(self, template, status, **context):
        return render(self.request, template, {"article": self.article, **context}, status=status)
