from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_callable
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from articles.models import Article
from comments import pending, replies, services
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
    closed, 400 with the form's errors, 429 when the client has posted its fill or keeps being
    refused (comments/moderation.py keeps both budgets).
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
        form = CommentForm(
            request.POST,
            article=self.article,
            user=request.user,
            fingerprint=fingerprint,
            user_agent=client.user_agent(request),
        )
        if not form.is_valid():
            return self.refuse_form(form, wait=policy.count_refusal(fingerprint))
        if form.duplicate:
            # The same words sent again (a double click, a reload) were received the first
            # time: the resend spends an attempt, not one of the reader's posts.
            wait = policy.count_refusal(fingerprint)
            comment = form.duplicate
        else:
            wait = policy.count_post(fingerprint)
        if wait:
            return self.refuse_form(form, wait)
        if not form.duplicate:
            comment = services.submit(
                form.comment,
                site_url=request.build_absolute_uri("/"),
                notify_replies=form.cleaned_data.get("notify_replies", False),
            )
        # The reader lands on their comment: published in the thread, or, while it waits,
        # shown to them alone in its place (comments/pending.py) and marked as waiting.
        response = HttpResponseRedirect(comment.get_absolute_url())
        if comment.status != Comment.Status.APPROVED:
            pending.remember(request, response, comment)
        return response

    def refuse(self, template, status, **context):
        return render(self.request, template, {"article": self.article, **context}, status=status)

    def refuse_form(self, form, wait=None):
        """The reader's words back in the form: 400 with what to correct, or 429 with `wait`,
        why and how long to wait before sending them again."""
        context = {"form": form, "replying_to": form.cleaned_data.get("parent")}
        if wait is None:
            return self.refuse("comments/form_errors.html", 400, **context)
        response = self.refuse("comments/rate_limited.html", 429, wait=wait, **context)
        response["Retry-After"] = str(policy.retry_after_seconds)
        return response


# Links in e-mails: the token is the reader's authority, as no session may come with it. A mail
# client's one-click unsubscribe (RFC 8058) posts without a cookie or a CSRF token, and a forged
# post could only do what the link's holder may do anyway.
@method_decorator([csrf_exempt, never_cache], name="dispatch")
class UnsubscribeView(View):
    """Stops reply e-mails (comments/replies.py) for whoever holds the link, signed in or not.

    GET asks, so a mail scanner that fetches every link unsubscribes nobody; POST acts. A
    forged link answers 400, an expired one 410, and neither changes anything.
    """

    http_method_names = ["get", "post"]
    template_name = "comments/unsubscribe.html"
    REFUSALS = {"tampered": 400, "expired": 410}

    def dispatch(self, request, token):
        try:
            self.user_id, self.article_id = replies.subscription_for(token)
        except replies.InvalidUnsubscribeLink as refusal:
            return self.page(state=refusal.reason, status=self.REFUSALS[refusal.reason])
        return super().dispatch(request, token)

    def get(self, request, token):
        subscribed = replies.is_subscribed(self.user_id, self.article_id)
        return self.page(state="asking" if subscribed else "not-subscribed")

    def post(self, request, token):
        replies.unsubscribe(self.user_id, self.article_id)
        return self.page(state="unsubscribed")

    def page(self, state, status=200):
        article_id = getattr(self, "article_id", None)
        # Named and linked only while readers can see it.
        article = Article.objects.published().filter(pk=article_id).first() if article_id else None
        context = {"state": state, "article": article}
        response = render(self.request, self.template_name, context, status=status)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The token is in the address; it must not travel to the sites the page links to.
        response["Referrer-Policy"] = "no-referrer"
        return response
