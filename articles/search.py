"""Full-text search over published articles: one small interface, a backend per database.

The index holds text only. Who may see an article is decided at query time by
`Article.objects.published()`, so publishing, unpublishing and scheduling never touch it.

- PostgreSQL: a `search_vector` tsvector column with a GIN index (title weighted A, standfirst
  B, body and tags C, 'english' stemming). Migration 0004 adds both for PostgreSQL only and
  they stay out of the model, so listings never load the vector.
- SQLite with FTS5: the `articles_search` table (porter stemming), ranked by bm25.
- Anything else: a LIKE scan, slow but correct for a small site.

Saving an article or changing its tags re-indexes it (see `articles.apps`).
"""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connections
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.expressions import Expression
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from taggit.models import Tag, TaggedItem

from articles.models import Article

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
FTS_TABLE = "articles_search"
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

    def __bool__(self):
        return bool(self.phrases)


@dataclass(frozen=True)
class Hit:
    article: Article
    title_html: str
    snippet_html: str


def search(raw_query, articles=None):
    """Ranked hits for `raw_query` among `articles` (default: everything published).

    Returns a lazy sequence with `count()` and slicing, ready for Django's Paginator.
    """
    articles = Article.objects.published() if articles is None else articles
    return Results(get_backend(), Query.parse(raw_query), articles)


class Results:
    def __init__(self, backend, query, articles):
        self.backend, self.query, self.articles = backend, query, articles.order_by()

    def count(self):
        return self._count

    @cached_property
    def _count(self):
        return self.backend.count(self.query, self.articles) if self.query else 0

    def __len__(self):
        return self._count

    def __getitem__(self, page):
        """Only slices, which is all the Paginator asks for."""
        if not self.query:
            return []
        return self.backend.page(self.query, self.articles, page.start or 0, page.stop)


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
    if connection.vendor == "postgresql":
        return PostgresBackend(using)
    if connection.vendor == "sqlite" and Fts5Backend.available(connection):
        return Fts5Backend(using)
    return LikeBackend(using)


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

    def count(self, query, articles):
        return self.matches(query, articles).count()

    def page(self, query, articles, start, stop):
        title_hits = sum(
            (
                Case(When(title__icontains=word, then=1), default=0, output_field=IntegerField())
                for word in query.terms
            ),
            Value(0),
        )
        ranked = (
            self.matches(query, articles)
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


class SearchVectorColumn(Expression):
    """The article table's `search_vector` column, which is outside the model on purpose
    (see the module docstring). Follows the table's alias, so it also works in subqueries."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.base_table)}.search_vector", []


class PostgresBackend(LikeBackend):
    CONFIG = "english"
    VECTOR = SearchVectorColumn()
    # The same expression fills the index and feeds the snippets: markup removed, text kept.
    INDEX_SQL = """
        UPDATE articles_article AS a SET search_vector =
            setweight(to_tsvector('english', a.title), 'A')
            || setweight(to_tsvector('english', a.standfirst), 'B')
            || setweight(to_tsvector('english',
                regexp_replace(a.body, '<[^>]*>', ' ', 'g') || ' ' || coalesce((
                    SELECT string_agg(t.name, ' ')
                    FROM taggit_taggeditem ti
                    JOIN taggit_tag t ON t.id = ti.tag_id
                    JOIN django_content_type ct ON ct.id = ti.content_type_id
                    WHERE ct.app_label = 'articles' AND ct.model = 'article'
                        AND ti.object_id = a.id
                ), '')), 'C')
    """

    def tsquery(self, query):
        return SearchQuery(query.text, search_type="websearch", config=self.CONFIG)

    def matches(self, query, articles):
        return articles.filter(SearchVectorExact(self.VECTOR, self.tsquery(query)))

    def page(self, query, articles, start, stop):
        tsquery = self.tsquery(query)
        plain_body = Func(
            F("body"), Value(r"<[^>]*>|[\ue000\ue001]"), Value(" "), Value("g"),
            function="regexp_replace",
        )  # fmt: skip
        marks = {"start_sel": MARK_START, "stop_sel": MARK_END, "config": self.CONFIG}
        ranked = (
            self.matches(query, articles)
            .for_listing()
            .annotate(
                rank=SearchRank(self.VECTOR, tsquery),
                marked_title=SearchHeadline("title", tsquery, highlight_all=True, **marks),
                marked_snippet=SearchHeadline(
                    plain_body, tsquery, max_words=40, min_words=20, **marks
                ),
            )
            .order_by("-rank", "-published_at", "-id")
        )
        return [
            Hit(
                article,
                marked_html(article.marked_title),
                marked_html(html.unescape(article.marked_snippet)),
            )
            for article in ranked[start:stop]
        ]

    def index(self, ids):
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.INDEX_SQL + " WHERE a.id = ANY(%s)", [ids])

    def unindex(self, ids):
        pass  # the vector is deleted with its row

    def rebuild(self, batch_size):
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.INDEX_SQL)


class Fts5Backend:
    # Column weights for bm25(): title, standfirst, body, tags.
    RANK = f"bm25({FTS_TABLE}, 10.0, 4.0, 1.0, 2.0)"

    def __init__(self, using):
        self.using = using

    @staticmethod
    def available(connection):
        # Only a positive answer is remembered: the table appears when migration 0004 runs.
        key = connection.settings_dict["NAME"]
        if key not in _fts_databases:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
                if cursor.fetchone():
                    _fts_databases.add(key)
        return key in _fts_databases

    def match_expression(self, query):
        """FTS5 syntax built from words only, so readers' quotes, stars and NEARs stay text."""
        phrases = " ".join('"{}"'.format(" ".join(phrase)) for phrase in query.phrases)
        return phrases + "".join(f' NOT "{word}"' for word in query.excluded)

    def _where(self, query, articles):
        visible, params = articles.values("pk").query.sql_with_params()
        sql = f"{FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid IN ({visible})"
        return sql, [self.match_expression(query), *params]

    def count(self, query, articles):
        where, params = self._where(query, articles)
        return self._fetch(f"SELECT count(*) FROM {FTS_TABLE} WHERE {where}", params)[0][0]

    def page(self, query, articles, start, stop):
        where, params = self._where(query, articles)
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


_fts_databases = set()


# --- Keeping the index in step ------------------------------------------------------------
# Signals rather than a service call: the index must follow every save path (admin, demo
# loader, shell, factories), and it is derived data like the slug, not a side effect.
INDEXED_FIELDS = {"title", "standfirst", "body"}


def connect_signals():
    post_save.connect(_article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="search-article-deleted")
    m2m_changed.connect(_tags_changed, sender=TaggedItem, dispatch_uid="search-tags-changed")
    post_save.connect(_tag_renamed, sender=Tag, dispatch_uid="search-tag-renamed")


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
