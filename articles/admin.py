"""The admin for sections, and the base of the article admin.

ArticleAdmin is registered by editorial.admin, which composes it with what analytics (the
readership chart) and editorial (the editor, revisions, preview links, locking, the correction)
add. Imports between apps go one way (editorial -> analytics -> articles), so the composition
lives in the topmost app and this one imports neither.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from articles import services
from articles.forms import ArticleAdminForm, AuthorAdminForm
from articles.models import Author, Section
from lifescope import page_cache
from lifescope.admin import BoundedDateHierarchy


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.everything_changed()  # every page lists the sections

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.everything_changed()


class ArticleAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    """The article list, form and publish actions; registered by editorial.admin (see above)."""

    form = ArticleAdminForm
    list_display = [
        "title",
        "section",
        "status_label",
        "published_at",
        "author",
        "is_featured",
        "view_count",
    ]
    list_filter = ["status", "section", "featured", ("author", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["section", "author"]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["reading_minutes", "view_count", "created_at", "updated_at"]
    actions = ["publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Hero image", {"fields": ["hero_image", "hero_alt", "hero_caption", "hero_credit"]}),
        ("Filing", {"fields": ["section", "tags", "author", "byline", "featured"]}),
        ("Publication", {"fields": ["status", "published_at", "comments_open"]}),
        ("Popular posts", {"fields": ["popular_pinned", "popular_excluded"]}),
        ("Search and sharing", {"fields": ["seo_description"], "classes": ["collapse"]}),
        (
            "Figures",
            {
                "fields": ["reading_minutes", "view_count", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                is_staff=True, is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("articles.publish_article"):
            actions.pop("publish_selected", None)
            actions.pop("unpublish_selected", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.publish_article"):
            readonly += ["status", "published_at"]
        return readonly

    # The admin saves in one transaction (tags after the article): the pages that showed the
    # article before and those that show it after are retired once it commits.
    def save_model(self, request, obj, form, change):
        if change:
            services.changing([obj.pk])
        super().save_model(request, obj, form, change)
        if not change:
            services.changing([obj.pk])

    def delete_model(self, request, obj):
        services.changing([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.changing(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            when = timezone.localtime(article.published_at).strftime("%d %b %Y %H:%M")
            return format_html('<span title="Scheduled">Scheduled for {}</span>', when)
        return article.get_status_display()

    @admin.display(description="Featured", boolean=True, ordering="featured")
    def is_featured(self, article):
        return article.featured

    @admin.action(description="Publish selected articles")
    def publish_selected(self, request, queryset):
        count = services.publish(queryset)
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Return selected articles to draft")
    def unpublish_selected(self, request, queryset):
        count = services.unpublish(queryset)
        self.message_user(request, f"Returned {count} article(s) to draft.", messages.SUCCESS)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    """Editors set how readers know a writer; the login shows here only, to tell who is who."""

    form = AuthorAdminForm
    list_display = ["name", "slug", "user", "has_photo"]
    list_select_related = ["user"]
    search_fields = ["name", "slug", "user__username", "user__first_name", "user__last_name"]
    fields = ["user", "name", "slug", "bio", "photo"]
    readonly_fields = ["user"]

    # A writer's first article makes their profile, and it goes with their account.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"name", "slug"} & set(form.changed_data):
            services.everything_changed()  # every byline of theirs names and links them
        else:
            page_cache.retire([f"author:{obj.user_id}"])

    @admin.display(description="Photo", boolean=True)
    def has_photo(self, author):
        return bool(author.photo)
