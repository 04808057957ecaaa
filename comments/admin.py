from functools import partial
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator

from comments import services
from comments.models import BlockedReader, Comment
from lifescope.admin import BoundedDateHierarchy

MODERATE = "comments.can_moderate"
MODERATION_ACTIONS = (
    "approve_selected",
    "reject_selected",
    "mark_spam_selected",
    "block_authors",
    "unblock_authors",
)


@admin.register(Comment)
class CommentAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    """The moderation queue. Readers write comments; moderators only change their status."""

    change_list_template = "comments/admin/change_list.html"
    change_form_template = "comments/admin/change_form.html"
    list_display = [
        "excerpt",
        "article_link",
        "in_reply_to",
        "author",
        "email",
        "created",
        "status",
        "link_count",
        "signals",
    ]
    list_filter = ["status", ("article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "parent", "user"]
    search_fields = ["body", "name", "email", "article__title"]
    date_hierarchy = "created"
    ordering = ["-created", "-id"]
    actions = list(MODERATION_ACTIONS)
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["status", "article_link", "in_reply_to", "body"]}),
        ("Author", {"fields": ["name", "email", "user", "reader"]}),
        (
            "Signals",
            {"fields": ["signals", "link_count", "created", "fingerprint", "user_agent"]},
        ),
        ("Moderation", {"fields": ["moderated_by", "moderated_at"]}),
    ]
    readonly_fields = [
        "article_link",
        "in_reply_to",
        "body",
        "name",
        "email",
        "user",
        "reader",
        "signals",
        "link_count",
        "created",
        "fingerprint",
        "user_agent",
        "moderated_by",
        "moderated_at",
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # Whether each comment's account is blocked, in the list's own query.
        blocked = BlockedReader.objects.filter(user_id=OuterRef("user_id"))
        return super().get_queryset(request).annotate(author_blocked=Exists(blocked))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(MODERATE):
            readonly.append("status")
        return readonly

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(MODERATE):
            for name in MODERATION_ACTIONS:
                actions.pop(name, None)
        return actions

    def changelist_view(self, request, extra_context=None):
        if "email__iexact" in request.GET and not request.GET["email__iexact"].strip():
            # Comments kept from deleted accounts have no address: an empty one is no reader,
            # and its "history" would list every deleted reader's comments as one person's.
            return TemplateResponse(
                request,
                "comments/admin/no_history.html",
                {**self.admin_site.each_context(request), "title": "No such reader"},
                status=400,
            )
        extra_context = {
            "pending_count": Comment.objects.pending().count(),
            "history_of": history_of(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"can_moderate": request.user.has_perm(MODERATE), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        # The comment page's "Block this account" / "Unblock this account" buttons.
        standing = {"_block_author": self.block_authors, "_unblock_author": self.unblock_authors}
        for button, action in standing.items():
            if button in request.POST and obj.user_id and request.user.has_perm(MODERATE):
                action(request, Comment.objects.filter(pk=obj.pk))
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_model(self, request, obj, form, change):
        # Everything but the status is read-only; a status change goes through the services,
        # which keep the article's comment count and notify the author.
        if "status" in form.changed_data:
            action = {
                # The author's e-mail links to the comment at the address the admin is used at.
                Comment.Status.APPROVED: partial(
                    services.approve, site_url=request.build_absolute_uri("/")
                ),
                Comment.Status.REJECTED: services.reject,
                Comment.Status.SPAM: services.mark_spam,
            }.get(obj.status)
            if action is None:
                self.message_user(
                    request, "A comment cannot be returned to the queue.", messages.WARNING
                )
                return
            action(Comment.objects.filter(pk=obj.pk), moderator=request.user)

    def delete_model(self, request, obj):
        services.delete(Comment.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.delete(queryset)

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return Truncator(comment.body).chars(80)

    @admin.display(description="Article", ordering="article__title")
    def article_link(self, comment):
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            comment.article.get_absolute_url(),
            comment.article.title,
            Truncator(comment.article.title).chars(40),
        )

    @admin.display(description="In reply to")
    def in_reply_to(self, comment):
        if comment.parent is None:
            return "—"
        return format_html(
            "{}: “{}” ({})",
            comment.parent.name,
            Truncator(comment.parent.body).chars(60),
            comment.parent.get_status_display(),
        )

    @admin.display(description="Author", ordering="name")
    def author(self, comment):
        url = history_url(comment)
        if url is None:
            return comment.name
        history = format_html('<a href="{}">history</a>', url)
        if comment.user:
            account = f"{comment.user}, blocked" if comment.author_blocked else comment.user
            return format_html(
                "{} <small>(account {}) · {}</small>", comment.name, account, history
            )
        return format_html("{} <small>· {}</small>", comment.name, history)

    @admin.display(description="Reader")
    def reader(self, comment):
        """Where to read everything the reader wrote, and whether their account is blocked."""
        url = history_url(comment)
        if url is None:
            return "No account and no address: nothing leads to this reader's other comments."
        if comment.user is None:
            return format_html('<a href="{}">Every comment from {}</a>', url, comment.email)
        block = BlockedReader.objects.filter(user_id=comment.user_id).first()
        if block is None:
            standing = "Not blocked."
        else:
            by = f" by {block.blocked_by}" if block.blocked_by else ""
            when = date_format(timezone.localtime(block.blocked_at), "j F Y")
            standing = f"Blocked on {when}{by}: new comments are held."
        return format_html(
            '<a href="{}">Every comment by account {}</a>. {}',
            url,
            comment.user,
            standing,
        )

    @admin.display(description="Links")
    def link_count(self, comment):
        return comment.link_count

    @admin.action(description="Approve selected comments")
    def approve_selected(self, request, queryset):
        count = services.approve(
            queryset, moderator=request.user, site_url=request.build_absolute_uri("/")
        )
        self.message_user(request, f"Approved {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Reject selected comments")
    def reject_selected(self, request, queryset):
        count = services.reject(queryset, moderator=request.user)
        self.message_user(request, f"Rejected {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Mark selected comments as spam")
    def mark_spam_selected(self, request, queryset):
        count = services.mark_spam(queryset, moderator=request.user)
        self.message_user(request, f"Marked {count} comment(s) as spam.", messages.SUCCESS)

    @admin.action(description="Block the authors’ accounts (their new comments are held)")
    def block_authors(self, request, queryset):
        count = services.block_readers(authors_of(queryset), moderator=request.user)
        self.message_user(request, f"Blocked {count} account(s).", messages.SUCCESS)

    @admin.action(description="Unblock the authors’ accounts")
    def unblock_authors(self, request, queryset):
        count = services.unblock_readers(authors_of(queryset))
        self.message_user(request, f"Unblocked {count} account(s).", messages.SUCCESS)


def history_url(comment):
    """The queue filtered to every comment, in any status, by the comment's account, or by
    its e-mail address when it has none; None when it has neither (a deleted reader's)."""
    if comment.user_id:
        query = {"user__id__exact": comment.user_id}
    elif comment.email:
        query = {"email__iexact": comment.email}
    else:
        return None
    return reverse("admin:comments_comment_changelist") + "?" + urlencode(query)


def history_of(request):
    """Whose history the list shows (`history_url`), in words, or None."""
    account = request.GET.get("user__id__exact", "")
    # A key has at most 19 digits; anything else finds nobody, as the list's own filter does.
    if account.isascii() and account.isdigit() and len(account) <= 18:
        user = get_user_model().objects.filter(pk=int(account)).first()
        return f"by account {user}" if user else None
    address = request.GET.get("email__iexact")
    return f"from {address}" if address else None


def authors_of(comments):
    return get_user_model().objects.filter(pk__in=comments.values("user_id"))
