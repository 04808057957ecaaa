from django.contrib import admin

import articles.admin  # noqa: F401 - registers the article admin this module extends
from analytics import charts
from articles.models import Article

# This app adds readership to the article page, so the dependency stays analytics -> articles.
# Like editorial, it extends whichever admin is registered, so the apps' order cannot drop one.
RegisteredArticleAdmin = type(admin.site.get_model_admin(Article))
admin.site.unregister(Article)


@admin.register(Article)
class ArticleReadershipAdmin(RegisteredArticleAdmin):
    """The article form, plus a chart of human views and bot hits over the last 30 days.

    Whoever may open an article in the admin (the Editors group) sees its readership: the
    figures belong to the newsroom's view of the article, so they share its permission.
    """

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "readership"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("Readers", {"fields": ["readership"]}))
        return fieldsets

    @admin.display(description="Views, last 30 days")
    def readership(self, article):
        return charts.render_readership(article)
