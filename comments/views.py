from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from articles.models import Article
from comments import services
from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import policy


class PostCommentView(View):
    """Takes a reader's comment for an article, then sends them back to it (POST-redirect-GET).

    Refusals answer with the reason and the reader's words intact: 403 when the article is
    closed, 429 when the client posts too often, 400 with the form's errors otherwise.
    """

    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
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
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
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
