"""SQLite's search: the FTS5 table `articles_search` (migration 0004), porter stemming, bm25."""

from django.db import connections

from articles.models import Article
from articles.search.query import (
    CONTROL_CHARACTERS,
    MARK_END,
    MARK_START,
    Hit,
    marked_html,
    plain_text,
)

FTS_TABLE = "articles_search"


class Fts5Backend:
    COUNT_LIMIT = None
    # Column weights for bm25(): title, standfirst, body, tags.
    RANK = f"bm25({FTS_TABLE}, 10.0, 4.0, 1.0, 2.0)"

    def __init__(self, using):
        self.using = using

    def match_expression(self, query):
        """FTS5 syntax built from words only, so readers' quotes, stars and NEARs stay text."""
        phrases = " ".join('"{}"'.format(" ".join(phrase)) for phrase in query.phrases)
        return phrases + "".join(f' NOT "{word}"' for word in query.excluded)

    def _where(self, query, scope):
        visible, params = scope.articles().values("pk").query.sql_with_params()
        sql = f"{FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid IN ({visible})"
        return sql, [self.match_expression(query), *params]

    def count(self, query, scope):
        where, params = self._where(query, scope)
        return self._fetch(f"SELECT count(*) FROM {FTS_TABLE} WHERE {where}", params)[0][0]

    def page(self, query, scope, start, stop):
        where, params = self._where(query, scope)
        marks = [MARK_START, MARK_END]
        rows = self._fetch(
            f"SELECT {FTS_TABLE}.rowid, highlight({FTS_TABLE}, 0, %s, %s),"
            f" snippet({FTS_TABLE}, 2, %s, %s, '…', 32)"
            f" FROM {FTS_TABLE} JOIN articles_article AS a ON a.id = {FTS_TABLE}.rowid"
            f" WHERE {where} ORDER BY {self.RANK}, a.published_at DESC, a.id DESC"
            " LIMIT %s OFFSET %s",
            [*marks, *marks, *params, -1 if stop is None else stop - start, start],
        )
        found = Article.objects.for_listing().in_bulk([row[0] for row in rows])
        return [
            Hit(found[pk], marked_html(title), marked_html(snippet))
            for pk, title, snippet in rows
            if pk in found
        ]

    def index(self, ids):
        self.unindex(ids)
        articles = Article.objects.filter(pk__in=ids).only("title", "standfirst", "body")
        self._insert(articles.prefetch_related("tags"))

    def unindex(self, ids):
        placeholders = ", ".join(["%s"] * len(ids))
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", ids)

    def rebuild(self, batch_size):
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
        articles = Article.objects.only("title", "standfirst", "body").order_by("pk")
        self._insert(articles.prefetch_related("tags").iterator(chunk_size=batch_size))

    def _insert(self, articles):
        rows = [
            (
                article.pk,
                CONTROL_CHARACTERS.sub(" ", article.title),
                CONTROL_CHARACTERS.sub(" ", article.standfirst),
                plain_text(article.body),
                " ".join(tag.name for tag in article.tags.all()),
            )
            for article in articles
        ]
        with connections[self.using].cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, standfirst, body, tags)"
                " VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    def _fetch(self, sql, params):
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
