"""What the site's model admins share; each app's admin composes it in plain sight."""

from datetime import UTC

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDateChangeList(ChangeList):
    """Django's change list, but a date hierarchy day that a datetime cannot hold (after
    9999-12-31, or in a time zone east of Greenwich, before the first UTC datetime) is an
    invalid filter like any other: the list again, saying so. Django raised OverflowError or
    ValueError there, a 500."""

    def get_filters(self, request):
        try:
            filters = super().get_filters(request)
            lookups = filters[2]
            for bound in ("__gte", "__lt") if self.date_hierarchy else ():
                moment = lookups.get(self.date_hierarchy + bound)
                for value in moment if isinstance(moment, list) else [moment]:
                    if value is not None:
                        value.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error
        return filters


class BoundedDateHierarchy:
    """For a ModelAdmin with a date_hierarchy: see BoundedDateChangeList."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList
