"""Full-text search over published articles: one small interface, a backend per database.

A search covers a `Scope`: the published stories, optionally of one section and a date range.
The stories shown are always loaded through `Article.objects.published()`, whatever an index
says, so a stale index can hide a story but never leak a draft.

- PostgreSQL (`postgres.py`): the narrow `articles_search_entry` table, one row per article,
  with its weighted vectors, its word pairs for phrases and copies of the filtered columns.
- SQLite with FTS5 (`sqlite.py`): the `articles_search` table (porter stemming), ranked as
  `sqlite.py` says.
- Anything else (`like.py`): a LIKE scan, slow but correct for a small site.

Saving an article or changing its tags re-indexes it (`signals.py`, connected in `articles.apps`).
"""

from django.utils.functional import cached_property

from articles.search.backends import get_backend, index_articles, rebuild_index, unindex_articles
from articles.search.like import LikeBackend
from articles.search.postgres import ENTRY_TABLE, PostgresBackend
from articles.search.query import (
    MARK_END,
    MARK_START,
    MAX_TERMS,
    Hit,
    Query,
    Scope,
    marked_html,
    plain_text,
)
from articles.search.signals import connect_signals
from articles.search.sqlite import FTS_TABLE, Fts5Backend

__all__ = [
    "ENTRY_TABLE", "FTS_TABLE", "MARK_END", "MARK_START", "MAX_TERMS",
    "Fts5Backend", "Hit", "LikeBackend", "PostgresBackend", "Query", "Results", "Scope",
    "connect_signals", "get_backend", "index_articles", "marked_html", "plain_text",
    "rebuild_index", "search", "unindex_articles",
]  # fmt: skip


def search(raw_query, scope=None):
    """Ranked hits for `raw_query` among the stories of `scope` (default: all published).

    Returns a lazy sequence with `count()` and slicing, ready for Django's Paginator. A backend
    may stop counting at its `COUNT_LIMIT`; `capped` then says there are more.
    """
    return Results(get_backend(), Query.parse(raw_query), scope or Scope())


class Results:
    def __init__(self, backend, query, scope):
        self.backend, self.query, self.scope = backend, query, scope

    def count(self):
        return min(self._total, self.backend.COUNT_LIMIT or self._total)

    @property
    def capped(self):
        return self.count() < self._total

    @cached_property
    def _total(self):
        return self.backend.count(self.query, self.scope) if self.query else 0

    def __len__(self):
        return self.count()

    def __getitem__(self, page):
        """Only slices, which is all the Paginator asks for."""
        if not self.query:
            return []
        return self.backend.page(self.query, self.scope, page.start or 0, page.stop)
