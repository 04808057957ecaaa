from functools import partial

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from comments import services
from comments.models import Comment
from lifescope.admin import BoundedDateHierarchy

MODERATE = "comments.can_moderate"
MODERATION_ACTIONS = ("approve_selected", "reject_selected", "mark_spam_selected")


@admin.register(Comment)
class CommentAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    """The moderation queue. Readers write comments; moderators only change their status."""

    change_list_template = "comments/admin/change_list.html"
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
        ("Author", {"fields": ["name", "email", "user"]}),
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
        extra_context = {
            "pending_count": Comment.objects.pending().count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

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
        if comment.user:
            return format_html("{} <small>(account {})</small>", comment.name, comment.user)
        return comment.name

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
