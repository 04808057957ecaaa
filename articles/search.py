"""Full-text search over published articles: one small interface, a backend per database.

A search covers a `Scope`: the published stories, optionally of one section and a date range.
The stories shown are always loaded through `Article.objects.published()`, whatever an index
says, so a stale index can hide a story but never leak a draft.

- PostgreSQL: the narrow `articles_search_entry` table (migration 0006), one row per article
  with a "headline" vector (title A, standfirst B, tags C), a "document" vector (the headline and
  the body, D) and copies of the columns a search filters on. Ranking reads those narrow rows,
  never the wide article table; see `PostgresBackend`.
- SQLite with FTS5: the `articles_search` table (porter stemming), ranked by bm25.
- Anything else: a LIKE scan, slow but correct for a small site.

Saving an article or changing its tags re-indexes it (see `articles.apps`).
"""

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connections
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from taggit.models import Tag, TaggedItem

from articles.models import Article, Section

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
FTS_TABLE = "articles_search"
ENTRY_TABLE = "articles_search_entry"
# Private-use characters mark highlights inside the database's output; everything else is
# escaped before they become <mark> tags, and they are removed from indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """A reader's query reduced to what every backend can run safely."""

    text: str  # length-capped, control characters removed: for websearch_to_tsquery
    phrases: tuple  # tuples of lower-cased words that must appear together
    excluded: tuple  # words that must not appear

    @classmethod
    def parse(cls, raw):
        text = " ".join(CONTROL_CHARACTERS.sub(" ", raw or "").split())[:MAX_QUERY_CHARS]
        phrases, excluded, budget = [], [], MAX_TERMS
        for match in QUERY_PART.finditer(text):
            negated = bool(match[1] or match[3])
            words = tuple(WORD.findall((match[2] or match[4] or "").lower()))[:budget]
            if not words:
                continue
            budget -= len(words)
            if negated:
                excluded.extend(words)
            else:
                phrases.append(words)
            if budget <= 0:
                break
        return cls(text, tuple(phrases), tuple(excluded))

    @property
    def terms(self):
        return [word for phrase in self.phrases for word in phrase]

    @property
    def has_phrase(self):
        return any(len(phrase) > 1 for phrase in self.phrases)

    def __bool__(self):
        return bool(self.phrases)


@dataclass(frozen=True)
class Scope:
    """The stories a search covers: the published ones, optionally of one `section` and
    published from `since` to `until` (whole days in the current time zone)."""

    section: Section | None = None
    since: date | None = None
    until: date | None = None

    @property
    def start(self):
        return _start_of_day(self.since) if self.since else None

    @property
    def end(self):
        """Exclusive: the start of the day after `until`."""
        return _start_of_day(self.until + timedelta(days=1)) if self.until else None

    def articles(self):
        articles = Article.objects.published()
        if self.section:
            articles = articles.filter(section=self.section)
        if self.start:
            articles = articles.filter(published_at__gte=self.start)
        if self.end:
            articles = articles.filter(published_at__lt=self.end)
        return articles.order_by()


def _start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Hit:
    article: Article
    title_html: str
    snippet_html: str


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


def marked_html(text):
    """Escapes `text`, turning only the backend's highlight markers into <mark> tags."""
    escaped = escape(text or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def plain_text(body_html):
    return CONTROL_CHARACTERS.sub(" ", html.unescape(strip_tags(body_html or "")))


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


class LikeBackend:
    COUNT_LIMIT = None

    def __init__(self, using):
        self.using = using

    def matches(self, query, articles):
        for word in query.terms:
            articles = articles.filter(self._contains(word))
        for word in query.excluded:
            articles = articles.exclude(self._contains(word))
        return articles

    def _contains(self, word):
        tagged = Article.objects.filter(tags__name__icontains=word).values("pk")
        return (
            Q(title__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
            | Q(pk__in=tagged)
        )

    def count(self, query, scope):
        return self.matches(query, scope.articles()).count()

    def page(self, query, scope, start, stop):
        title_hits = sum(
            (
                Case(When(title__icontains=word, then=1), default=0, output_field=IntegerField())
                for word in query.terms
            ),
            Value(0),
        )
        ranked = (
            self.matches(query, scope.articles())
            .for_listing()
            .alias(title_hits=title_hits)
            .order_by("-title_hits", "-published_at", "-id")
        )
        pattern = re.compile("|".join(re.escape(word) for word in query.terms), re.IGNORECASE)
        return [
            Hit(article, _mark(article.title, pattern), _mark(_excerpt(article, pattern), pattern))
            for article in ranked[start:stop]
        ]

    def index(self, ids):
        pass

    unindex = index

    def rebuild(self, batch_size):
        pass


def _excerpt(article, pattern, width=120):
    text = " ".join(plain_text(article.body).split())
    found = pattern.search(text)
    if not found:
        return article.standfirst or text[: width * 2]
    start = max(found.start() - width, 0)
    return ("…" if start else "") + text[start : found.end() + width] + "…"


def _mark(text, pattern):
    return marked_html(pattern.sub(lambda m: f"{MARK_START}{m[0]}{MARK_END}", text))


class PostgresBackend:
    """Ranks the narrow rows of `articles_search_entry`, in two tiers.

    Stories whose headline vector (title A, standfirst B, tags C) matches come first, by its
    `ts_rank`: a title match ranks above a standfirst or tag match, and all of them above a
    body-only match. Body-only matches follow, newest first. Both tiers stay cheap however
    common the words: the headline tier ranks few small vectors found through their GIN
    index, and the body tier walks the `published_at` index and stops at the page. Ranking
    the body tier by term frequency instead would read the document vector (kilobytes, out of
    line) of every match: seconds for a word in a third of the stories.

    Phrases are checked against word positions in each candidate's document, and the planner
    guesses their rarity from their words alone; walking the `published_at` index could then
    read every document. A query with a phrase therefore collects its matches through the
    document's GIN index first (a MATERIALIZED subquery, planned on its own).

    The total is counted up to `COUNT_LIMIT`, the pages the reader can reach.
    """

    CONFIG = "english"
    COUNT_LIMIT = 1000
    TSQUERY = "websearch_to_tsquery('english', %s)"
    # The columns every backend must agree on: what is indexed, and the copies of the
    # article's status, time and section that `_scope_sql` filters on (migration 0006 keeps
    # those copies in step when a queryset update changes them).
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

    def _scope_sql(self, scope):
        """`scope` as conditions on the entry's copies of the article's columns.

        The same test as `published()`, on the copies; the articles shown are loaded through
        `scope.articles()` all the same, so a stale copy could hide a story, never leak one.
        """
        conditions = ["e.status = %s", "e.published_at <= %s"]
        params = [Article.Status.PUBLISHED, timezone.now()]
        for condition, value in [
            ("e.section_id = %s", scope.section and scope.section.pk),
            ("e.published_at >= %s", scope.start),
            ("e.published_at < %s", scope.end),
        ]:
            if value:
                conditions.append(condition)
                params.append(value)
        return " AND ".join(conditions), params

    def _matches(self, query, scope):
        """(WITH clause, params, FROM clause of the matching entries as `e`, params)."""
        where, params = self._scope_sql(scope)
        matches = f"SELECT * FROM {ENTRY_TABLE} AS e WHERE e.document @@ {self.TSQUERY}"
        matches, params = f"{matches} AND {where}", [query.text, *params]
        if query.has_phrase:
            return f"WITH matches AS MATERIALIZED ({matches})", params, "matches AS e", []
        return "", [], f"({matches}) AS e", params

    def count(self, query, scope):
        # MATERIALIZED plans the matches without the LIMIT, so through the GIN index unless most
        # stories match; to stop at the limit, the planner would otherwise often pick a
        # sequential scan, which reads an out-of-line document vector for every row it passes.
        where, params = self._scope_sql(scope)
        sql = (
            f"WITH matches AS MATERIALIZED (SELECT 1 FROM {ENTRY_TABLE} AS e"
            f" WHERE e.document @@ {self.TSQUERY} AND {where})"
            " SELECT count(*) FROM (SELECT 1 FROM matches LIMIT %s) AS counted"
        )
        return self._fetch(sql, [query.text, *params, self.COUNT_LIMIT + 1])[0][0]

    def page(self, query, scope, start, stop):
        with_sql, with_params, matches, params = self._matches(query, scope)
        tsquery = self.TSQUERY
        # A plain Append runs the branches of a UNION ALL in order, so the LIMIT reads the body
        # tier only when the page reaches it. Only a Parallel Append could interleave the tiers,
        # and settings.py turns parallel query off on PostgreSQL connections.
        sql = (
            f"{with_sql} (SELECT e.article_id FROM {matches} WHERE e.headline @@ {tsquery}"
            f" ORDER BY ts_rank(e.headline, {tsquery}) DESC,"
            " e.published_at DESC, e.article_id DESC)"
            f" UNION ALL (SELECT e.article_id FROM {matches} WHERE NOT e.headline @@ {tsquery}"
            " ORDER BY e.published_at DESC, e.article_id DESC)"
            " LIMIT %s OFFSET %s"
        )
        params = [
            *with_params,
            *params, query.text, query.text,
            *params, query.text,
            None if stop is None else stop - start, start,
        ]  # fmt: skip
        ids = [row[0] for row in self._fetch(sql, params)]
        if not ids:
            return []
        tsquery = SearchQuery(query.text, search_type="websearch", config=self.CONFIG)
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


# --- Keeping the index in step ------------------------------------------------------------
# Signals rather than a service call: the index must follow every save path (admin, demo
# loader, shell, factories), and it is derived data like the slug, not a side effect.
INDEXED_FIELDS = {"title", "standfirst", "body"}


def connect_signals():
    post_save.connect(_article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="search-article-deleted")
    m2m_changed.connect(_tags_changed, sender=TaggedItem, dispatch_uid="search-tags-changed")
    post_save.connect(_tag_renamed, sender=Tag, dispatch_uid="search-tag-renamed")
    pre_delete.connect(_tag_deleting, sender=Tag, dispatch_uid="search-tag-deleting")
    post_delete.connect(_tag_deleted, sender=Tag, dispatch_uid="search-tag-deleted")


def _article_saved(sender, instance, raw=False, update_fields=None, using="default", **kwargs):
    if raw or (update_fields is not None and not INDEXED_FIELDS & set(update_fields)):
        return
    index_articles([instance.pk], using)


def _article_deleted(sender, instance, using="default", **kwargs):
    unindex_articles([instance.pk], using)


def _tags_changed(sender, instance, action, using="default", **kwargs):
    if isinstance(instance, Article) and action in ("post_add", "post_remove", "post_clear"):
        index_articles([instance.pk], using)


def _tag_renamed(sender, instance, created=False, raw=False, using="default", **kwargs):
    if not created and not raw:
        tagged = Article.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
        index_articles(list(tagged), using)


def _tag_deleting(sender, instance, using="default", **kwargs):
    # Deleting a tag removes its links by cascade, which sends no m2m_changed: note who had it.
    tagged = Article.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
    instance._search_reindex = list(tagged)


def _tag_deleted(sender, instance, using="default", **kwargs):
    index_articles(getattr(instance, "_search_reindex", []), using)
