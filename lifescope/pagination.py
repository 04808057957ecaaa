"""A paginator that never counts a whole table: listings stop at MAX_PAGES pages."""

import time

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from lifescope import page_cache

# 100 pages of ten, as search: a reader who wants older stories than a listing's thousand
# newest goes by month in the archive, which the last page links to. The cap also bounds each
# listing's count at the same thousand index entries with 1,000 articles or 100,000.
MAX_PAGES = 100


class CappedPaginator(Paginator):
    """Counts at most `MAX_PAGES` pages of rows: SELECT COUNT(*) FROM (… LIMIT n), which reads
    n entries of the listing's index however large the table grows. `capped` says whether
    older rows were left out. `uncapped` counts them all, for a listing bounded otherwise (a
    month of the archive) that must reach every row.

    `counted`, when given, holds the same rows as the listing found another way, for a
    listing whose cheapest count is not its own query's (the tag page: articles.views).

    `kept_as`, when given, names the listing in the page cache (lifescope/page_cache.py): its
    count is then kept as a fragment until that name is retired, or until the epoch second
    `until` (when a scheduled story joins it), so a reader paging through it counts it once.
    """

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        counted=None,
        uncapped=False,
        kept_as=None,
        until=None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.counted = counted
        self.uncapped = uncapped
        self.kept_as = kept_as
        self.until = until

    @cached_property
    def count(self):
        return self._found if self._limit is None else min(self._found, self._limit)

    @cached_property
    def capped(self):
        """Whether the listing holds older rows than its last page shows."""
        return self._limit is not None and self._found > self._limit

    @property
    def _limit(self):
        return None if self.uncapped else self.per_page * MAX_PAGES + self.orphans

    @cached_property
    def _found(self):
        if self.kept_as is None:
            return self._count_rows()
        found, _ = page_cache.fragment(
            f"listing-count:{self.kept_as}",
            [self.kept_as],
            lambda: (self._count_rows(), self.until),
            still=lambda kept: not kept[1] or time.time() < kept[1],
        )
        return found

    def _count_rows(self):
        rows = self.object_list if self.counted is None else self.counted
        if not isinstance(rows, QuerySet):
            return len(rows)
        # Which rows fill the cap does not matter: no joins, no sort, only the index. One row
        # past the limit tells whether there are older ones.
        rows = rows.values("pk").order_by()
        rows.query.select_related = False
        return rows.count() if self._limit is None else rows[: self._limit + 1].count()
