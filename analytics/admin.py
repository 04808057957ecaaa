"""What analytics adds to the article admin: the readership chart.

A mixin, not an admin: editorial.admin composes the one Article admin from it, so this app
depends on articles only and never replaces what another app registered.
"""

from django.contrib import admin

from analytics import charts


class ReadershipMixin:
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
