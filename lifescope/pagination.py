"""A paginator that never counts a whole table: listings stop at MAX_PAGES pages."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# 1,000 pages of ten is 10,000 stories per listing; older ones are in the archive.
MAX_PAGES = 1000


class CappedPaginator(Paginator):
    """Counts at most `MAX_PAGES` pages of rows: SELECT COUNT(*) FROM (… LIMIT n), which reads
    n entries of the listing's index however large the table grows.

    `counted`, when given, holds the same rows as the listing found another way, for a
    listing whose cheapest count is not its own query's (the tag page: articles.views).
    """

    def __init__(self, object_list, per_page, *args, counted=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.counted = counted

    @cached_property
    def count(self):
        rows = self.object_list if self.counted is None else self.counted
        if not isinstance(rows, QuerySet):
            return super().count
        # Which rows fill the cap does not matter: no joins, no sort, only the index.
        capped = rows.values("pk").order_by()
        capped.query.select_related = False
        return capped[: self.per_page * MAX_PAGES + self.orphans].count()
