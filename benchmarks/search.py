"""Times full-text search over 100,000 articles on PostgreSQL. Not a test: it prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m benchmarks.search

The articles go into their own database (lifescope_bench_search on the same server), made once
and reused by later runs; --rebuild starts it afresh. Each search is what the search page runs:
Django's Paginator counts (up to the backend's limit) and asks for one page, whose stories come
with their highlights and tags. The figures are per class of query, and the slowest class's
slowest statement is shown with EXPLAIN ANALYZE.
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
REPEATS = 15
PER_PAGE = 10
# Topics stand in for the names and places readers search for: one in each title and in most
# bodies. Plain words follow a Zipf-like curve over a seeded Faker vocabulary, with a few placed
# where the query classes need them.
TOPICS = [
    "colombia", "election", "climate", "vaccine", "inflation", "semiconductor", "refugees",
    "wildfire", "parliament", "earthquake", "tariffs", "satellite", "drought", "strike",
    "pipeline", "referendum", "cyberattack", "glacier", "currency", "hurricane",
]  # fmt: skip
# Weight 1 is the top of the curve: "report" is in nearly every story (not a stop word, so the
# index holds it), "people" in most. "market" and "minister" are in most stories too, but
# rarely next to each other: a phrase whose words alone hardly narrow the search.
FIXED_WEIGHTS = {"report": 1.0, "people": 0.5, "market": 1 / 40, "minister": 1 / 40}
# Phrases set into bodies: (phrase, one story in how many).
PLANTED_PHRASES = [("climate change", 8), ("interest rates", 900)]
# Rare words: (word, field, one story in how many).
RARE_WORDS = [("zeppelin", "body", 5000), ("quokka", "title", 30_000)]
SECTIONS = 8
DAY = 24 * 60 // 7  # stories are 7 minutes apart

# (class, query, filters): filters are a section number, days `since` / `until` ago, a page.
CLASSES = [
    ("single word", "colombia", {}),
    ("single word", "parliament", {}),
    ("several words", "climate change", {}),
    ("several words", "semiconductor tariffs", {}),
    ("several words", "market minister report", {}),
    ("rare word", "zeppelin", {}),
    ("rare word", "quokka", {}),
    ("very common word", "report", {}),
    ("very common word", "people", {}),
    ("quoted phrase", '"climate change"', {}),
    ("quoted phrase", '"interest rates"', {}),
    ("quoted phrase", '"market minister"', {}),
    ("quoted phrase", '"report people" -colombia', {}),
    ("prefix-ish input", "colomb", {}),
    ("prefix-ish input", "semicond*", {}),
    ("prefix-ish input", "parliamentar", {}),
    ("excluded word", "wildfire -drought", {}),
    ("excluded word", "report -people", {}),
    ("section filter", "colombia", {"section": 3}),
    ("section filter", "report", {"section": 5}),
    ("section filter", '"climate change"', {"section": 1}),
    ("date filter", "colombia", {"since": 30}),
    ("date filter", "report", {"until": 300}),
    ("date filter", '"market minister"', {"since": 200, "until": 100}),
    ("deep page", "report", {"page": 100}),
    ("deep page", '"climate change"', {"page": 100}),
    ("deep page", "colombia", {"page": 40}),
    ("no match", "nothingmatchesthis", {}),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and refill the database")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs of each query")
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
    measure(args.repeats)


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
    faker = Faker("en_US")
    faker.seed_instance(6)
    vocabulary = sorted(set(faker.words(5000, unique=False)) - set(FIXED_WEIGHTS))
    curve = [1 / (rank + 2) for rank in range(len(vocabulary))]
    rng.shuffle(curve)
    words = vocabulary + list(FIXED_WEIGHTS)
    weights = curve + list(FIXED_WEIGHTS.values())
    author, _ = get_user_model().objects.get_or_create(username="bench-author")
    sections = [
        Section.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Bench {n}"})[0]
        for n in range(SECTIONS)
    ]
    now = timezone.now()

    def text(count):
        return " ".join(rng.choices(words, weights, k=count))

    def planted(n, field):
        extra = [phrase for phrase, every in PLANTED_PHRASES if field == "body" and n % every == 1]
        extra += [word for word, where, every in RARE_WORDS if where == field and n % every == 2]
        return " ".join(extra)

    batch = []
    for n in range(ARTICLES):
        topic = rng.choice(TOPICS)
        body = "".join(f"<p>{text(60)} {rng.choice(TOPICS)} {text(40)}.</p>" for _ in range(3))
        batch.append(
            Article(
                title=f"{text(3).capitalize()} {topic} {text(3)} {planted(n, 'title')}".strip(),
                slug=f"bench-{n}",
                standfirst=f"{text(12).capitalize()} {topic}.",
                body=f"{body}<p>{text(50)} {planted(n, 'body')} {text(50)}.</p>",
                author=author,
                section=sections[n % SECTIONS],
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


def run_search(raw, filters):
    """What the search page does with the database: count, one page, its stories' tags."""
    from django.core.paginator import Paginator
    from django.utils import timezone

    from articles import search
    from articles.models import Section

    today = timezone.localdate()
    scope = search.Scope(
        Section.objects.get(slug=f"bench-{filters['section']}") if "section" in filters else None,
        today - timedelta(days=filters["since"]) if "since" in filters else None,
        today - timedelta(days=filters["until"]) if "until" in filters else None,
    )
    results = search.search(raw, scope)
    paginator = Paginator(results, PER_PAGE)
    page = paginator.page(min(filters.get("page", 1), paginator.num_pages))
    for hit in page:
        list(hit.article.tags.all())
    return f"{paginator.count:,}{'+' if results.capped else ''}"


def measure(repeats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by_class, slowest = {}, (0, None, None)
    print(f"\n{'class':17} {'query':28} {'filters':22} {'matches':>8} {'median':>7} {'p95':>6}")
    for name, raw, filters in CLASSES:
        run_search(raw, filters)  # the first run reads from disk; a busy site has it cached
        timings = []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                matches = run_search(raw, filters)
                timings.append((time.perf_counter() - started) * 1000)
            slowest = max(slowest, (timings[-1], name, list(queries.captured_queries)))
        by_class.setdefault(name, []).extend(timings)
        shown = " ".join(f"{key}={value}" for key, value in filters.items())
        print(
            f"{name:17} {raw:28} {shown:22} {matches:>8} {statistics.median(timings):>7.1f}"
            f" {percentile(timings, 95):>6.1f}  ({len(queries)} queries)"
        )
    print(f"\n{'class':17} {'median ms':>10} {'p95 ms':>8}")
    for name, timings in by_class.items():
        print(f"{name:17} {statistics.median(timings):>10.1f} {percentile(timings, 95):>8.1f}")
    everything = [timing for timings in by_class.values() for timing in timings]
    print(
        f"{'all':17} {statistics.median(everything):>10.1f} {percentile(everything, 95):>8.1f}"
        f"   (load average {os.getloadavg()[0]:.1f})"
    )
    explain_slowest(connection, *slowest)


def explain_slowest(connection, elapsed, name, queries):
    """EXPLAIN ANALYZE of the slowest statement of the slowest search run."""
    if not queries:
        return
    statement = max(queries, key=lambda query: float(query["time"]))["sql"]
    print(f"\nSlowest run: {name}, {elapsed:.1f} ms. Its slowest statement:\n{statement}\n")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
        print("\n".join(row[0] for row in cursor.fetchall()))


def percentile(values, percent):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
