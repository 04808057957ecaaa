"""Generated articles, comments and views for scale measurements (README, "Scale").

    LIFESCOPE_VAR_DIR=/path/1k python -m benchmarks.generate_bulk --articles 1000 \\
        --comments 10000 --views 100000
    DATABASE_URL=postgres://… python -m benchmarks.generate_bulk        # 100k, 1M, 10M

A tool of the benchmarks, not of the site: it writes the rows of articles, comments and
analytics at once, so it sits above every app rather than in one of them.
"""

import sys
import time

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from taggit.models import Tag, TaggedItem

from analytics.models import ArticleDailyViews
from articles import search, services
from articles.models import Article, Author, Section
from benchmarks.bulk import Plan, RowWriter, reserve_ids
from comments.models import Comment
from lifescope.sanitize import clean_html, plain_text_to_html

BODY = "".join(
    f"<p>Paragraph {n} of a generated story: words enough to read for a minute or two, "
    "with a <a href='https://example.com/'>link</a> and <strong>some emphasis</strong>.</p>"
    for n in range(12)
)
SECTIONS = 12
TAGS = 200
TAGS_PER_ARTICLE = 3
# What article_row() gives; every other column takes its field's default.
ARTICLE_FIELDS = [
    "id",
    "title",
    "slug",
    "standfirst",
    "body",
    "author",
    "section",
    "status",
    "published_at",
    "created_at",
    "updated_at",
    "featured",
    "reading_minutes",
    "view_count",
    "comment_count",
]
COMMENT = "Generated comment {}: a reader's view, plainly put."
APPROVED, PENDING = Comment.Status.APPROVED.value, Comment.Status.PENDING.value
SQLITE_CACHE_KIB = 256 * 1024
BIG_TABLES = ("articles_article", "taggit_taggeditem", "comments_comment")


class Command(BaseCommand):
    help = (
        "Adds generated articles, comments and views for scale measurements, in bulk inserts "
        "(COPY on PostgreSQL). Views are stored as daily rows that sum to --views; every "
        "article's view and comment totals agree with its rows. Never for a real site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--views", type=int, default=10_000_000, help="views in all")
        parser.add_argument("--batch", type=int, default=20_000, help="rows per transaction")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, articles, comments, views, batch, seed, **options):
        if min(articles, comments, views) < 0 or batch < 1:
            raise CommandError("Counts must be zero or more, and --batch at least one.")
        started = time.perf_counter()
        try:
            self.plan = Plan(articles, comments, views, seed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.batch, self.search_seconds = batch, 0.0
        if connection.vendor == "sqlite":
            # The new rows land all over the comment and view indexes: with SQLite's default
            # 2 MB page cache each batch rereads them. This connection only, for this run.
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        ids = []
        self.timed("articles, tags and search entries", lambda: self.make_articles(ids))
        self.timed("comments", lambda: self.make_comments(ids))
        rows = self.timed("daily view rows", lambda: self.make_views(ids))
        self.timed("planner statistics and vacuum", self.analyze)
        services.everything_changed()
        self.stdout.write(
            f"Done in {time.perf_counter() - started:.0f} s: {articles:,} articles, "
            f"{comments:,} comments, {views:,} views in {rows:,} daily rows."
        )

    def timed(self, what, make):
        """Runs `make`, which returns how many rows it wrote, and prints how long it took."""
        started = time.perf_counter()
        count = make()
        elapsed = time.perf_counter() - started
        rate = f" ({count / max(elapsed, 1e-9):,.0f}/s)" if count else ""
        self.stdout.write(f"{what}: {count:,} in {elapsed:.1f} s{rate}")
        return count

    def progress(self, what):
        def report(done, expected, elapsed):
            self.stdout.write(f"  {what}: {done:,} of ~{expected:,} ({done / elapsed:,.0f}/s)")

        return report

    def make_articles(self, ids):
        """Oldest first, so ids follow publication time as on a real site; fills `ids`."""
        plan, body = self.plan, clean_html(BODY)
        author, _ = get_user_model().objects.get_or_create(
            username="bulk-author", defaults={"first_name": "Bulk", "last_name": "Writer"}
        )
        # The rows below skip Article.save(), which would make it.
        Author.objects.for_user(author)
        sections = [
            Section.objects.get_or_create(slug=f"bulk-{n}", defaults={"name": f"Bulk {n}"})[0]
            for n in range(SECTIONS)
        ]
        tags = [
            Tag.objects.get_or_create(slug=f"bulk-topic-{n}", defaults={"name": f"topic {n}"})[0]
            for n in range(TAGS)
        ]
        articles = RowWriter(Article, ARTICLE_FIELDS, self.batch, self.progress("articles"))
        tagging = RowWriter(
            TaggedItem, ["tag", "content_type", "object_id"], self.batch, self.progress("tags")
        )
        content_type = ContentType.objects.get_for_model(Article).pk
        count, step = len(plan.published_at), max(1, self.batch // 10)
        for start in range(0, count, step):
            numbers = range(start, min(count, start + step))
            chosen = [plan.random.sample(tags, TAGS_PER_ARTICLE) for _ in numbers]
            with transaction.atomic():
                batch_ids = reserve_ids(Article, len(numbers))
                rows = [
                    self.article_row(pk, n, body, author.pk, sections[n % SECTIONS].pk)
                    for pk, n in zip(batch_ids, numbers, strict=True)
                ]
                articles.write(rows, 0)
                tagging.write(
                    (
                        (tag.pk, content_type, pk)
                        for pk, article_tags in zip(batch_ids, chosen, strict=True)
                        for tag in article_tags
                    ),
                    0,
                )
                indexing = time.perf_counter()
                self.index_for_search(rows, chosen, body)
                self.search_seconds += time.perf_counter() - indexing
            ids += batch_ids
            if len(ids) % (step * 10) == 0:
                self.stdout.write(f"  articles: {len(ids):,} of {count:,}")
        self.stdout.write(f"  of which search entries: {self.search_seconds:.1f} s")
        return len(ids)

    def article_row(self, pk, n, body, author_id, section_id):
        """The values of ARTICLE_FIELDS for article `n` of the plan."""
        plan = self.plan
        draft = plan.is_draft[n]
        return (
            pk,
            f"Generated story {pk}",
            f"bulk-{pk}",  # unique as the id is
            "A generated story for scale tests.",
            body,
            author_id,
            section_id,
            Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
            None if draft else plan.published_at[n],
            plan.published_at[n],
            plan.published_at[n],
            plan.featured[n],
            1,
            plan.views[n],
            plan.approved[n],
        )

    def index_for_search(self, rows, tags, body):
        """Adds the new articles to the search index.

        On SQLite the FTS5 rows are written here, in the layout of `search.Fts5Backend`: its
        own indexing strips each body's HTML (milliseconds an article, minutes for 100,000),
        and the generated stories all share one body, stripped once. The generate_bulk tests
        search for a generated story, so a change of layout shows there.
        """
        if not isinstance(search.get_backend(), search.Fts5Backend):
            search.index_articles([row[0] for row in rows])
            return
        text = search.plain_text(body)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {search.FTS_TABLE} (rowid, title, standfirst, body, tags)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    (row[0], row[1], row[3], text, " ".join(tag.name for tag in article_tags))
                    for row, article_tags in zip(rows, tags, strict=True)
                ],
            )

    def make_comments(self, ids):
        """Each article's comments in the order they came; one in ten awaits moderation."""
        plan = self.plan
        writer = RowWriter(
            Comment,
            ["article", "name", "email", "body", "body_html", "status", "created"],
            self.batch,
            self.progress("comments"),
        )

        # One body, numbered: what Comment.derive_fields makes of it is made once, not a
        # million times (a number needs no escaping).
        html = plain_text_to_html(COMMENT.format("NUMBER")).replace("NUMBER", "{}")

        def rows():
            serial = 0
            for n, article_id in enumerate(ids):
                for k, created in enumerate(plan.comment_times(n)):
                    serial += 1
                    reader = serial % 5000
                    yield (
                        article_id,
                        f"Reader {reader}",
                        f"reader{reader}@example.com",
                        COMMENT.format(serial),
                        html.format(serial),
                        APPROVED if k < plan.approved[n] else PENDING,
                        created,
                    )

        return writer.write(rows(), sum(plan.comments))

    def make_views(self, ids):
        plan = self.plan
        writer = RowWriter(
            ArticleDailyViews, ["article", "day", "views"], self.batch, self.progress("view rows")
        )
        rows = (
            (article_id, day, views)
            for n, article_id in enumerate(ids)
            for day, views in plan.daily_views(n)
        )
        # About one row per ten views at the default sizes; the figure is for progress only.
        return writer.write(rows, sum(plan.views) // 10)

    def analyze(self):
        """Gives PostgreSQL's planner statistics of the new rows, as autovacuum would soon.

        Not SQLite: a site there has statistics only if someone runs ANALYZE, and with them
        SQLite sorts the whole table for the front page rather than walk its index.
        """
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            if connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests)
                cursor.execute(f"ANALYZE {self.tables()}")
            else:
                # VACUUM also marks pages all-visible, which index-only scans need.
                cursor.execute(f"VACUUM (ANALYZE) {self.tables()}")
        return 0

    def tables(self):
        return ", ".join((*BIG_TABLES, ArticleDailyViews._meta.db_table, search.ENTRY_TABLE))


if __name__ == "__main__":
    import os

    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings")
    django.setup()
    call_command(Command(), *sys.argv[1:])
