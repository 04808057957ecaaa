"""The one Article admin, composed in plain sight, and the parts this app adds to it.

    ArticleAdmin = EditorMixin + RevisionsMixin      (this app)
                 + ReadershipMixin                   (analytics: the readership chart)
                 + articles.admin.ArticleAdmin       (the list, the form, the publish actions)

It is declared here, not in articles, because imports between apps go one way
(editorial -> analytics -> articles) and this is the app that may import the others. Nothing is
unregistered or replaced: what runs is what this class says, whatever the order of
INSTALLED_APPS.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from js_asset import Media

import articles.admin
from analytics.admin import ReadershipMixin
from articles.models import Article
from editorial import preview, revisions
from editorial.forms import EditorialArticleForm, RestoreForm
from editorial.models import Revision


class EditorMixin:
    """The WYSIWYG body, the correction, the version the form was loaded at, preview links."""

    form = EditorialArticleForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        if self.has_change_permission(request, obj):
            first = fieldsets[0][1]
            first["fields"] = [*first["fields"], "loaded_version"]
        names = [name for name, _ in fieldsets]
        after = names.index("Publication") + 1 if "Publication" in names else len(fieldsets)
        fieldsets.insert(after, ("Correction", {"fields": ["correction"]}))
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The editor's modules load through an import map: an inline script that the site's
        # Content-Security-Policy runs only with this request's nonce.
        nonce = getattr(request, "csp_nonce", "")
        context["media"] = Media.from_media(context["media"], nonce=nonce)
        if (
            obj is not None
            and request.user.has_perm("articles.preview_article")
            and not obj.is_public
        ):
            context["share_preview_url"] = request.build_absolute_uri(preview.preview_url(obj))
            context["share_preview_hours"] = preview.expires_in_hours()
        return super().render_change_form(request, context, add, change, form_url, obj)


class RevisionsMixin:
    """A revision for every save, stale saves refused, and the history, compare and restore
    pages (editorial.revisions does the work)."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:article_id>/revisions/",
                wrap(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:article_id>/revisions/<int:revision_id>/",
                wrap(self.revision_diff_view),
                name="articles_article_revision",
            ),
            path(
                "<int:article_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    # --- Saving: version check, then a revision -------------------------------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except revisions.StaleArticle:
            # Another save won the race between this form's check and its write. Everything
            # this request did was rolled back; run it again so the form check names the winner.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            revisions.ensure_baseline(obj.pk)
            revisions.claim_version(obj, form.cleaned_data["loaded_version"])
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        revisions.record(form.instance, request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["can_view_revisions"] = request.user.has_perm("editorial.view_revision")
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- The pages ------------------------------------------------------------------------
    def _article_for(self, request, article_id, permission):
        if not (self.has_change_permission(request) and request.user.has_perm(permission)):
            raise PermissionDenied
        return get_object_or_404(Article, pk=article_id)

    def _context(self, request, article, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            "title": title,
            **extra,
        }

    def revisions_view(self, request, article_id):
        article = self._article_for(request, article_id, "editorial.view_revision")
        history = list(article.revisions.select_related("author"))
        return TemplateResponse(
            request,
            "editorial/revisions.html",
            self._context(
                request,
                article,
                f"Revisions of “{article}”",
                revisions=history,
                can_restore=request.user.has_perm("editorial.restore_revision"),
            ),
        )

    def revision_diff_view(self, request, article_id, revision_id):
        article = self._article_for(request, article_id, "editorial.view_revision")
        revision = get_object_or_404(Revision, pk=revision_id, article=article)
        against_id = request.GET.get("against", "")
        history = article.revisions.select_related("author")
        # isdigit() alone admits "²", which int() refuses; a key has at most 19 digits.
        if len(against_id) <= 19 and against_id.isascii() and against_id.isdigit():
            older = get_object_or_404(history, pk=against_id)
        else:
            older = history.filter(created_at__lte=revision.created_at).exclude(pk=revision.pk)
            older = older.first()
        if older is not None and (older.created_at, older.pk) > (revision.created_at, revision.pk):
            older, revision = revision, older
        return TemplateResponse(
            request,
            "editorial/revision_diff.html",
            self._context(
                request,
                article,
                f"Changes to “{article}”",
                revision=revision,
                older=older,
                changes=revisions.diff(older, revision) if older else None,
                can_restore=request.user.has_perm("editorial.restore_revision")
                and revision != history.first(),
            ),
        )

    def restore_view(self, request, article_id, revision_id):
        """Shows what a restore would change (GET), restores (POST)."""
        article = self._article_for(request, article_id, "editorial.restore_revision")
        revision = get_object_or_404(
            Revision.objects.select_related("author"), pk=revision_id, article=article
        )
        plan = revisions.plan_restore(revision, request.user)
        form, status, refusal = RestoreForm(plan), 200, ""
        if request.method == "POST":
            form = RestoreForm(plan, request.POST)
            status = 400
            if form.is_valid():
                try:
                    revisions.restore(
                        revision,
                        request.user,
                        loaded_version=form.cleaned_data["loaded_version"],
                        also=form.ticked(),
                    )
                except revisions.StaleArticle:
                    # Confirmed against a version that is gone: show what restoring would
                    # change now, to be confirmed again.
                    who, when = revisions.latest_change(article)
                    refusal = (
                        f"{who} changed this article at "
                        f"{timezone.localtime(when):%H:%M on %d %b %Y}, after you opened this "
                        "page. Nothing was restored: check what restoring would change now, "
                        "then confirm again."
                    )
                    plan = revisions.plan_restore(revision, request.user)
                    form, status = RestoreForm(plan), 409
                else:
                    self.message_user(
                        request,
                        f"Restored the words of the revision of {revisions.saved_on(revision)}. "
                        "The version they replaced is kept in the history.",
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        return TemplateResponse(
            request,
            "editorial/restore_confirm.html",
            self._context(
                request,
                plan.article,
                "Restore this revision?",
                revision=revision,
                plan=plan,
                changes=plan.changes,
                form=form,
                refusal=refusal,
            ),
            status=status,
        )


@admin.register(Article)
class ArticleAdmin(EditorMixin, RevisionsMixin, ReadershipMixin, articles.admin.ArticleAdmin):
    """The Article admin: see the module docstring for who adds what."""
