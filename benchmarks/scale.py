"""Uncached page times at the database's current size, and the plans behind them.

    manage.py generate_bulk --articles 1000 …   then   python -m benchmarks.scale
    manage.py generate_bulk --articles 99000 …  then   python -m benchmarks.scale

Renders front, article, tag, popular and search pages in process (page cache off, sidebar
caches warm, as on a busy site) and prints the median of --samples renders of each, with the
queries each ran and the plan of the front page's listing and count. Compare two runs at two
sizes: the pages should stay within 1.5x, since each reads a bounded range of one index.
Uses the settings of the environment (DATABASE_URL, LIFESCOPE_VAR_DIR …).
"""

import argparse
import os
import statistics
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings")
    os.environ["LIFESCOPE_PAGE_CACHE"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    published = Article.objects.published()
    newest = published.latest_first().first()
    tag = newest.tags.first()
    pages = {
        "front": "/",
        "article": newest.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "popular": "/popular/",
        "search": "/search/?q=generated+story",
    }
    print(f"{connection.vendor}: {Article.objects.count():,} articles")
    client = Client(HTTP_HOST="127.0.0.1")
    for name, url in pages.items():
        client.get(url)  # warms the sidebar caches and the rankings
        times = []
        for _ in range(args.samples):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                status = client.get(url).status_code
            times.append(time.perf_counter() - started)
        slowest = max(float(q["time"]) for q in queries.captured_queries)
        print(
            f"  {name:<8} {statistics.median(times) * 1000:7.1f} ms median, status {status}, "
            f"{len(queries)} queries, slowest {slowest * 1000:.1f} ms"
        )
    listing = published.for_listing().latest_first()
    print("front page listing plan:")
    print("  " + listing[:10].explain().replace("\n", "\n  "))
    count_sql, params = listing[:10_000].query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
        cursor.execute(f"{prefix} SELECT COUNT(*) FROM ({count_sql}) capped", params)
        print("capped count plan:")
        for row in cursor.fetchall():
            print("  " + " ".join(str(cell) for cell in row))


if __name__ == "__main__":
    main()
