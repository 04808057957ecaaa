"""SQLite's search: the FTS5 table `articles_search` (migration 0004), porter stemming.

One statement reads the matches that pass `scope.articles()` (the `published()` gate, an
EXISTS per match that SQLite answers by primary key) in FTS5's own order, newest article id
first, and stops at `COUNT_LIMIT` + 1: that is the count, and those rows are what the pages
list, ranked in Python. So a word in every story costs what a word in a thousand does, and
with more matches than the limit, the newest are the ones ranked, as no page a reader can
reach lists more.

The ranking has PostgreSQL's tiers: stories with a match in their headline first, by the
matches highlighted in their title (weight 10), standfirst (4) and tags (2), then body-only
matches; newest first within a score. Not bm25: its document frequencies make FTS5 read every
match of each word on every search, which grows with the archive.
"""

from django.db import connections
from django.db.models.expressions import RawSQL

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
# The FTS5 columns that make a headline match, as (column number, weight).
HEADLINE_WEIGHTS = ((0, 10), (1, 4), (3, 2))  # title, standfirst, tags


class Fts5Backend:
    COUNT_LIMIT = 1000

    def __init__(self, using):
        self.using = using
        # {(query, scope): the ids `count` read, in ranked order}.
        self._ranked = {}

    def match_expression(self, query):
        """FTS5 syntax built from words only, so readers' quotes, stars and NEARs stay text."""
        phrases = " ".join('"{}"'.format(" ".join(phrase)) for phrase in query.phrases)
        return phrases + "".join(f' NOT "{word}"' for word in query.excluded)

    def count(self, query, scope):
        """Reads up to `COUNT_LIMIT` + 1 matches, newest first, and ranks them."""
        visible, visible_params = (
            scope.articles()
            .filter(pk=RawSQL(f"{FTS_TABLE}.rowid", ()))
            .values("pk")
            .query.sql_with_params()
        )
        highlights = ", ".join(
            f"highlight({FTS_TABLE}, {column}, %s, '')" for column, _ in HEADLINE_WEIGHTS
        )
        rows = self._fetch(
            f"SELECT {FTS_TABLE}.rowid,"
            f" (SELECT published_at FROM articles_article WHERE id = {FTS_TABLE}.rowid),"
            f" {highlights} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
            f" AND EXISTS ({visible}) ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s",
            [
                *[MARK_START] * len(HEADLINE_WEIGHTS),
                self.match_expression(query),
                *visible_params,
                self.COUNT_LIMIT + 1,
            ],
        )
        scored = [
            (
                article_id,
                str(published_at),
                sum(
                    weight * (text or "").count(MARK_START)
                    for (_, weight), text in zip(HEADLINE_WEIGHTS, marked, strict=True)
                ),
            )
            for article_id, published_at, *marked in rows
        ]
        # Newest first, then (a stable sort) by score: a score of 0 is a body-only match.
        newest = sorted(scored, key=lambda row: (row[1], row[0]), reverse=True)
        self._ranked[query, scope] = [row[0] for row in sorted(newest, key=lambda row: -row[2])]
        return len(rows)

    def page(self, query, scope, start, stop):
        if (query, scope) not in self._ranked:
            self.count(query, scope)
        ids = self._ranked[query, scope][start:stop]
        return self._hits(query, ids) if ids else []

    def _hits(self, query, ids):
        """The hits for `ids`, in that order: highlighted titles and body snippets."""
        placeholders = ", ".join(["%s"] * len(ids))
        marks = [MARK_START, MARK_END]
        rows = self._fetch(
            f"SELECT rowid, highlight({FTS_TABLE}, 0, %s, %s),"
            f" snippet({FTS_TABLE}, 2, %s, %s, '…', 32)"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})",
            [*marks, *marks, self.match_expression(query), *ids],
        )
        marked = {pk: (title, snippet) for pk, title, snippet in rows}
        found = Article.objects.for_listing().in_bulk(list(marked))
        return [
            Hit(found[pk], marked_html(marked[pk][0]), marked_html(marked[pk][1]))
            for pk in ids
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
