"""Which backend serves a database, and keeping its index in step with the articles."""

from django.conf import settings
from django.db import connections

from articles.search.like import LikeBackend
from articles.search.postgres import ENTRY_TABLE, PostgresBackend
from articles.search.sqlite import FTS_TABLE, Fts5Backend


def get_backend(using="default"):
    choice = settings.DISCOVERY["SEARCH_BACKEND"]
    connection = connections[using]
    if choice == "like":
        return LikeBackend(using)
    if connection.vendor == "postgresql" and _has_table(connection, ENTRY_TABLE):
        return PostgresBackend(using)
    if connection.vendor == "sqlite" and _has_table(connection, FTS_TABLE):
        return Fts5Backend(using)
    return LikeBackend(using)


def _has_table(connection, table):
    # Only a positive answer is remembered: the table appears when its migration runs.
    key = (connection.settings_dict["NAME"], table)
    if key not in _indexed_databases and table in connection.introspection.table_names():
        _indexed_databases.add(key)
    return key in _indexed_databases


_indexed_databases = set()


def index_articles(ids, using="default"):
    """Brings the search index up to date for the articles with these ids."""
    if ids:
        get_backend(using).index(list(ids))


def unindex_articles(ids, using="default"):
    if ids:
        get_backend(using).unindex(list(ids))


def rebuild_index(using="default", batch_size=1000):
    """Re-indexes every article; for migrations, restores and bulk imports."""
    get_backend(using).rebuild(batch_size)
