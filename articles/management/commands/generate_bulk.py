import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from taggit.models import Tag, TaggedItem

from analytics.models import ArticleDailyViews
from articles import search, services
from articles.models import Article, Section
from comments.models import Comment

BODY = "".join(
    f"<p>Paragraph {n} of a generated story: words enough to read for a minute or two, "
    "with a <a href='https://example.com/'>link</a> and <strong>some emphasis</strong>.</p>"
    for n in range(12)
)


class Command(BaseCommand):
    help = (
        "Fills the database with generated articles, comments and daily views for scale tests, "
        "in bulk inserts. Adds to what is there; never for a real site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--views", type=int, default=10_000_000, help="daily view rows")
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, articles, comments, views, batch, seed, **options):
        if views > articles * 400:
            raise CommandError("At most 400 daily view rows per article (one per day).")
        self.random, self.batch = random.Random(seed), batch
        started = time.perf_counter()
        self.now = timezone.now()
        self.run_id = f"{int(self.now.timestamp())}"
        ids = self.make_articles(articles)
        self.lap("articles and tags", started, articles)
        lap = time.perf_counter()
        self.make_comments(ids, comments)
        self.lap("comments", lap, comments)
        lap = time.perf_counter()
        self.make_views(ids, views)
        self.lap("daily view rows", lap, views)
        lap = time.perf_counter()
        search.rebuild_index()
        self.lap("search index", lap, articles)
        services.purge_public_caches()
        self.stdout.write(f"Done in {time.perf_counter() - started:.0f} s.")

    def lap(self, what, started, count):
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{count:,} {what} in {elapsed:.1f} s ({count / max(elapsed, 1e-9):,.0f}/s)"
        )

    def make_articles(self, count):
        """Published over the last three years, newest most; one in fifty a draft."""
        author, _ = get_user_model().objects.get_or_create(
            username="bulk-author", defaults={"first_name": "Bulk", "last_name": "Writer"}
        )
        sections = [
            Section.objects.get_or_create(slug=f"bulk-{n}", defaults={"name": f"Bulk {n}"})[0]
            for n in range(12)
        ]
        tags = [
            Tag.objects.get_or_create(slug=f"bulk-topic-{n}", defaults={"name": f"topic {n}"})[0]
            for n in range(200)
        ]
        content_type = ContentType.objects.get_for_model(Article)
        ids = []
        for start in range(0, count, self.batch):
            rows = []
            for n in range(start, min(count, start + self.batch)):
                published = self.now - datetime.timedelta(minutes=self.random.expovariate(1 / 1e5))
                draft = n % 50 == 49
                rows.append(
                    Article(
                        title=f"Generated story {self.run_id}-{n}",
                        slug=f"bulk-{self.run_id}-{n}",
                        standfirst="A generated story for scale tests.",
                        body=BODY,
                        author=author,
                        section=sections[n % len(sections)],
                        status=Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
                        published_at=None if draft else published,
                        reading_minutes=1,
                    )
                )
            with transaction.atomic():
                created = Article.objects.bulk_create(rows)
                if created[0].pk is None:  # databases without RETURNING
                    created = list(
                        Article.objects.filter(slug__in=[a.slug for a in rows]).only("pk")
                    )
                TaggedItem.objects.bulk_create(
                    TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
                    for article in created
                    for tag in self.random.sample(tags, 3)
                )
            ids += [article.pk for article in created]
        return ids

    def make_comments(self, ids, count):
        """Spread unevenly (a few articles draw most); nine in ten approved."""
        per_article = {}
        for start in range(0, count, self.batch):
            rows = []
            for n in range(start, min(count, start + self.batch)):
                article_id = ids[min(int(self.random.paretovariate(1.2)) - 1, len(ids) - 1)]
                if n % 3:
                    article_id = self.random.choice(ids)
                approved = n % 10 != 9
                body = f"Generated comment {n}: a reader's view, plainly put."
                rows.append(
                    Comment(
                        article_id=article_id,
                        name=f"Reader {n % 5000}",
                        email=f"reader{n % 5000}@example.com",
                        body=body,
                        body_html=f"<p>{escape(body)}</p>",
                        status=Comment.Status.APPROVED if approved else Comment.Status.PENDING,
                        created=self.now - datetime.timedelta(minutes=n % 100_000),
                        fingerprint=f"{n % 5000:064x}",
                        user_agent="generate_bulk",
                    )
                )
                if approved:
                    per_article[article_id] = per_article.get(article_id, 0) + 1
            Comment.objects.bulk_create(rows)
        self.set_totals("comment_count", per_article)

    def make_views(self, ids, count):
        """`count` (article, day) rows: each article gets consecutive days back from today."""
        per_article, days = {}, {}
        today = timezone.localdate()
        for start in range(0, count, self.batch):
            rows = []
            for n in range(start, min(count, start + self.batch)):
                article_id = ids[n % len(ids)]
                back = days[article_id] = days.get(article_id, -1) + 1
                views = self.random.randint(1, 500)
                rows.append(
                    ArticleDailyViews(
                        article_id=article_id,
                        day=today - datetime.timedelta(days=back),
                        views=views,
                    )
                )
                per_article[article_id] = per_article.get(article_id, 0) + views
            ArticleDailyViews.objects.bulk_create(rows)
        self.set_totals("view_count", per_article)

    def set_totals(self, field, totals):
        """Stores denormalised totals in bulk, so pages read them as the services keep them."""
        articles = [Article(pk=pk, **{field: total}) for pk, total in totals.items()]
        for start in range(0, len(articles), self.batch):
            with transaction.atomic():
                Article.objects.bulk_update(articles[start : start + self.batch], [field])
