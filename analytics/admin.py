from django.contrib import admin

from analytics import charts
from articles.admin import ArticleAdmin
from articles.models import Article

# articles.admin registered ArticleAdmin; this app adds readership to the same page, so the
# dependency stays analytics -> articles.
admin.site.unregister(Article)


@admin.register(Article)
class ArticleReadershipAdmin(ArticleAdmin):
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
