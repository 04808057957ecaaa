"""PostgreSQL's search: narrow `articles_search_entry` rows (migrations 0006 and 0007).

Each row holds what a search reads, never the wide article table: a "headline" vector (title A,
standfirst B, tags C), a "document" vector (the headline and the body, D), the document's
adjacent word pairs as hashes ("pairs", written by a trigger from the document) and copies of
the article's status, publication time and section.

Ranking is in two tiers. Stories whose headline matches come first, by `ts_rank`: a title
match above a standfirst or tag match, all of them above a body-only match. Body-only matches
follow, newest first. The count reads at most `COUNT_LIMIT` + 1 matches; when that is all of
them, it ranks them too and a page is a slice of that list. With more, only the newest
`COUNT_LIMIT` headline matches are ranked (no page a reader can reach shows more), so ranking
costs the same however common a word is, and the body tier is read newest first to the page.

Phrases: the document's GIN index knows which stories hold each word, not where, so a phrase
would be checked against word positions in each candidate's document (kilobytes, out of
line): for a phrase of common words ("market minister"), most stories. The `pairs` GIN index
knows which stories hold each adjacent pair, which decides a two-word phrase and narrows a
longer one to about the stories that have it before their positions are checked.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQueryField
from django.db import connections
from django.db.models import F, Func, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from articles.models import Article
from articles.search.query import MARK_END, MARK_START, Hit, marked_html

ENTRY_TABLE = "articles_search_entry"
NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


def _rank_order(row):
    """The tiers' order for a row of `count`: headline matches by rank, then the rest; newest
    first within a rank."""
    article_id, published_at, in_headline, rank = row
    return (not in_headline, -rank if in_headline else 0, -published_at.timestamp(), -article_id)


class PostgresBackend:
    CONFIG = "english"
    COUNT_LIMIT = 1000
    # The columns every backend must agree on: what is indexed, and the copies of the
    # article's status, time and section that `_visible` filters on (migration 0006 keeps
    # those copies in step when a queryset update changes them, 0007 the pairs).
    ENTRY_SQL = f"""
        INSERT INTO {ENTRY_TABLE}
            (article_id, status, published_at, section_id, headline, document)
        SELECT a.id, a.status, a.published_at, a.section_id, h.vector,
            h.vector || setweight(to_tsvector('english',
                regexp_replace(a.body, '<[^>]*>', ' ', 'g')), 'D')
        FROM articles_article AS a
        CROSS JOIN LATERAL (SELECT
            setweight(to_tsvector('english', a.title), 'A')
            || setweight(to_tsvector('english', a.standfirst), 'B')
            || setweight(to_tsvector('english', coalesce((
                SELECT string_agg(t.name, ' ')
                FROM taggit_taggeditem ti
                JOIN taggit_tag t ON t.id = ti.tag_id
                JOIN django_content_type ct ON ct.id = ti.content_type_id
                WHERE ct.app_label = 'articles' AND ct.model = 'article'
                    AND ti.object_id = a.id
            ), '')), 'C') AS vector) AS h
        {{where}}
        ON CONFLICT (article_id) DO UPDATE SET status = EXCLUDED.status,
            published_at = EXCLUDED.published_at, section_id = EXCLUDED.section_id,
            headline = EXCLUDED.headline, document = EXCLUDED.document
    """

    def __init__(self, using):
        self.using = using
        # {(query, scope): every match's id in ranked order}, when `count` found them all.
        self._ranked = {}

    def count(self, query, scope):
        """Counts up to `COUNT_LIMIT` + 1 matches; when that is all of them, ranks them too.

        MATERIALIZED plans the matches without the LIMIT, so through the GIN indexes unless
        most stories match; to stop at the limit, the planner would otherwise often pick a
        sequential scan, which reads an out-of-line document vector for every row it passes.
        The rows carry what ranking needs from the narrow entry, so when they are all the
        matches, `page` slices them instead of searching again. That also spares `page` the
        planner's guess for a rare word, which it takes for one in two hundred stories.
        """
        sql, values = self._sql(query, scope)
        statement = (
            "WITH matches AS MATERIALIZED (SELECT e.article_id, e.published_at, e.headline"
            f" FROM {ENTRY_TABLE} AS e WHERE {sql['visible']} AND {sql['matches']})"
            f" SELECT article_id, published_at, headline @@ {sql['positive']},"
            f" ts_rank(headline, {sql['positive']}) FROM matches LIMIT %(limit)s"
        )
        rows = self._fetch(statement, {**values, "limit": self.COUNT_LIMIT + 1})
        if len(rows) <= self.COUNT_LIMIT:
            self._ranked[query, scope] = [row[0] for row in sorted(rows, key=_rank_order)]
        return len(rows)

    def page(self, query, scope, start, stop):
        sql, values = self._sql(query, scope)
        ranked = self._ranked.get((query, scope))
        if ranked is not None:
            ids = ranked[start:stop]
            return self._hits(ids, scope, sql["full"], values) if ids else []
        # Many matches: the tiers, each in order. A plain Append runs the branches of a UNION
        # ALL in order, so the LIMIT reads the body tier only when the page reaches it. Only a
        # Parallel Append could interleave the tiers, and settings.py turns parallel query off
        # on PostgreSQL connections.
        statement = (
            "(SELECT newest.article_id FROM (SELECT e.article_id, e.published_at, e.headline"
            f" FROM {ENTRY_TABLE} AS e WHERE {sql['visible']} AND {sql['in_headline']}"
            " ORDER BY e.published_at DESC, e.article_id DESC LIMIT %(candidates)s) AS newest"
            f" ORDER BY ts_rank(newest.headline, {sql['positive']}) DESC,"
            " newest.published_at DESC, newest.article_id DESC)"
            f" UNION ALL (SELECT e.article_id FROM {ENTRY_TABLE} AS e WHERE {sql['visible']}"
            f" AND {sql['matches']} AND NOT e.headline @@ {sql['positive']}"
            " ORDER BY e.published_at DESC, e.article_id DESC"
            " LIMIT %(page_end)s) LIMIT %(page_size)s OFFSET %(offset)s"
        )
        values |= {
            "candidates": self.COUNT_LIMIT,
            "page_end": stop,
            "page_size": None if stop is None else stop - start,
            "offset": start,
        }
        ids = [row[0] for row in self._fetch(statement, values)]
        return self._hits(ids, scope, sql["full"], values) if ids else []

    def _sql(self, query, scope):
        """SQL for `query` and `scope` on entries `e`, with named parameters, and their values.

        The tsqueries are built from the parsed words (phrases by `phraseto_tsquery`), so the
        pairs looked up are the ones the phrase's positions are checked for. They are
        constants to the planner, which estimates from the vectors' statistics how many rows
        each condition keeps.
        """
        values = {f"phrase_{n}": " ".join(words) for n, words in enumerate(query.phrases)}
        values |= {f"excluded_{n}": word for n, word in enumerate(query.excluded)}
        values["words"] = " ".join(query.terms)
        positive = " && ".join(
            f"phraseto_tsquery('{self.CONFIG}', %(phrase_{n})s)" for n in range(len(query.phrases))
        )
        excluded = "".join(
            f" && !!plainto_tsquery('{self.CONFIG}', %(excluded_{n})s)"
            for n in range(len(query.excluded))
        )
        full = f"({positive}{excluded})"
        # Every word, phrase or not, and the excluded ones: the document's GIN index answers
        # this alone, without reading a vector.
        words = f"(plainto_tsquery('{self.CONFIG}', %(words)s){excluded})"
        matches = [f"numnode({positive}) > 0", f"e.document @@ {words}"]
        for n, phrase in enumerate(query.phrases):
            if len(phrase) > 1:
                matches += self._phrase(f"%(phrase_{n})s")
        # A headline match is a document match, but for excluded words.
        in_headline = [matches[0], f"e.headline @@ ({positive})"]
        if query.excluded:
            in_headline.append(f"e.document @@ {words}")
        visible, visible_values = self._visible(scope)
        sql = {
            "positive": f"({positive})",
            "full": full,
            "matches": " AND ".join(matches),
            "in_headline": " AND ".join(in_headline),
            "visible": visible,
        }
        return sql, values | visible_values

    def _phrase(self, parameter):
        """Conditions for a phrase of several words, on top of the document holding them all.

        The entry must hold the phrase's adjacent pairs. When the phrase is one pair, two words
        side by side, that decides it: a story holding both words and another pair with the
        same 32-bit hash would match as well, a chance of about one in 17 million per story
        and phrase. A longer phrase, or one with stop words between its words, has its word
        positions checked too. Which case applies is decided while planning.
        """
        tsquery = f"phraseto_tsquery('{self.CONFIG}', {parameter})"
        pairs = f"articles_search_pairs(to_tsvector('{self.CONFIG}', {parameter}))"
        one_pair = f"numnode({tsquery}) = 3 AND cardinality({pairs}) = 1"
        return [f"e.pairs @> {pairs}", f"({one_pair} OR e.document @@ {tsquery})"]

    def _visible(self, scope):
        """`scope` as conditions on the entry's copies of the article's columns.

        They come first in each WHERE clause: conditions of equal cost are tested in the
        order written, and these are decided from the row, while `@@` on the document reads
        its vector from out of line.

        The same test as `published()`, on the copies; the articles shown are loaded through
        `scope.articles()` all the same, so a stale copy could hide a story, never leak one.
        """
        conditions = ["e.status = %(status)s", "e.published_at <= %(now)s"]
        values = {"status": Article.Status.PUBLISHED, "now": timezone.now()}
        for name, condition, value in [
            ("section", "e.section_id = %(section)s", scope.section and scope.section.pk),
            ("start", "e.published_at >= %(start)s", scope.start),
            ("end", "e.published_at < %(end)s", scope.end),
        ]:
            if value:
                conditions.append(condition)
                values[name] = value
        return " AND ".join(conditions), values

    def _hits(self, ids, scope, tsquery_sql, values):
        names = NAMED_PARAMETER.findall(tsquery_sql)
        tsquery = RawSQL(
            NAMED_PARAMETER.sub("%s", tsquery_sql),
            [values[name] for name in names],
            output_field=SearchQueryField(),
        )
        plain_body = Func(
            F("body"), Value(r"<[^>]*>|[\ue000\ue001]"), Value(" "), Value("g"),
            function="regexp_replace",
        )  # fmt: skip
        marks = {"start_sel": MARK_START, "stop_sel": MARK_END, "config": self.CONFIG}
        found = (
            scope.articles()
            .for_listing()
            .annotate(
                marked_title=SearchHeadline("title", tsquery, highlight_all=True, **marks),
                marked_snippet=SearchHeadline(
                    plain_body, tsquery, max_words=40, min_words=20, **marks
                ),
            )
            .in_bulk(ids)
        )
        return [
            Hit(
                article,
                marked_html(article.marked_title),
                marked_html(html.unescape(article.marked_snippet)),
            )
            for article in (found[pk] for pk in ids if pk in found)
        ]

    def index(self, ids):
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.ENTRY_SQL.format(where="WHERE a.id = ANY(%s)"), [ids])

    def unindex(self, ids):
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY_TABLE} WHERE article_id = ANY(%s)", [ids])

    def rebuild(self, batch_size):
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
            cursor.execute(self.ENTRY_SQL.format(where=""))

    def _fetch(self, sql, params):
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
