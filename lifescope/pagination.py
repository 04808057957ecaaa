"""A paginator that never counts a whole table: listings stop at MAX_PAGES pages."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# 1,000 pages of ten is 10,000 stories per listing; older ones are in the archive.
MAX_PAGES = 1000


class CappedPaginator(Paginator):
    """Counts at most `MAX_PAGES` pages of rows: SELECT COUNT(*) FROM (… LIMIT n), which reads
    n entries of the listing's index however large the table grows."""

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # Which rows fill the cap does not matter: no joins, no sort, only the index.
        capped = self.object_list.values("pk").order_by()
        capped.query.select_related = False
        return capped[: self.per_page * MAX_PAGES + self.orphans].count()
