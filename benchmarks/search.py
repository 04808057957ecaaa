"""Times full-text search over 100,000 articles on PostgreSQL. Not a test: it prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m benchmarks.search

The articles go into their own database (lifescope_bench_search on the same server), made once
and reused by later runs; --rebuild starts it afresh. Each search is what the search page runs
for its first page: the count (up to the backend's limit), the ranked ids, the page's stories with
their highlights, and their tags.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

ARTICLES = 100_000
BENCH_DATABASE = "lifescope_bench_search"
REPEATS = 30
# Plain words follow a Zipf-like curve, so some are in most stories and some in a handful;
# topics stand in for the names and places readers search for.
TOPICS = [
    "colombia", "election", "climate", "vaccine", "inflation", "semiconductor", "refugees",
    "wildfire", "parliament", "earthquake", "tariffs", "satellite", "drought", "strike",
    "pipeline", "referendum", "cyberattack", "glacier", "currency", "hurricane",
]  # fmt: skip
QUERIES = [
    "colombia",
    "climate change",
    "election results",
    '"interest rates"',
    "wildfire -drought",
    "government",
    "semiconductor tariffs",
    "nothingmatchesthis",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and refill the database")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server; the benchmark is for PostgreSQL.")
    prepare_database(server_url, args.rebuild)
    os.environ["DATABASE_URL"] = with_database(server_url, BENCH_DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill()
    measure()


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare_database(server_url, rebuild):
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        if rebuild:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def fill():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from faker import Faker

    from articles import search
    from articles.models import Article, Section

    if Article.objects.count() >= ARTICLES:
        print(f"Reusing {Article.objects.count():,} articles in {BENCH_DATABASE}.")
        return
    started = time.perf_counter()
    rng = random.Random(6)
    words = sorted(set(Faker("en_US").words(5000, unique=False))) + [
        "government", "interest", "rates", "results", "change", "minister", "market",
    ]  # fmt: skip
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng.shuffle(weights)
    author, _ = get_user_model().objects.get_or_create(username="bench-author")
    sections = [
        Section.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Bench {n}"})[0]
        for n in range(8)
    ]
    now = timezone.now()

    def text(count):
        return " ".join(rng.choices(words, weights, k=count))

    batch = []
    for n in range(ARTICLES):
        topic = rng.choice(TOPICS)
        body = "".join(f"<p>{text(60)} {rng.choice(TOPICS)} {text(40)}.</p>" for _ in range(4))
        batch.append(
            Article(
                title=f"{text(3).capitalize()} {topic} {text(3)}",
                slug=f"bench-{n}",
                standfirst=f"{text(12).capitalize()} {topic}.",
                body=body,
                author=author,
                section=sections[n % len(sections)],
                # One in twenty is a draft, so the visibility filter has work to do.
                status=Article.Status.DRAFT if n % 20 == 0 else Article.Status.PUBLISHED,
                published_at=now - timedelta(minutes=n * 7),
                reading_minutes=2,
            )
        )
        if len(batch) == 5000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    print(f"Created {ARTICLES:,} articles in {time.perf_counter() - started:.0f} s.")
    started = time.perf_counter()
    search.rebuild_index()  # bulk_create sends no signals
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE articles_article")
        cursor.execute(f"VACUUM ANALYZE {search.ENTRY_TABLE}")
    print(f"Indexed them in {time.perf_counter() - started:.0f} s.")


def measure():
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from articles import search

    print(f"\n{'query':28} {'matches':>8} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    all_timings = []
    for raw in QUERIES:
        timings = []
        for _ in range(REPEATS):
            reset_queries()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                results = search.search(raw)
                count = f"{results.count():,}{'+' if results.capped else ''}"
                hits = results[0:10]
                for hit in hits:
                    list(hit.article.tags.all())
            timings.append((time.perf_counter() - started) * 1000)
        all_timings += timings
        print(
            f"{raw:28} {count:>8} {statistics.median(timings):>10.1f}"
            f" {percentile(timings, 95):>8.1f} {len(queries):>8}"
        )
    print(
        f"\nAll {len(QUERIES)} queries × {REPEATS}: median "
        f"{statistics.median(all_timings):.1f} ms, p95 {percentile(all_timings, 95):.1f} ms"
    )


def percentile(values, percent):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
