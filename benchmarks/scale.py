"""Uncached page times at the database's current size, the plans behind them, and a comparison.

    LIFESCOPE_VAR_DIR=/work/scale-data/1k python -m benchmarks.generate_bulk \\
        --articles 1000 --comments 10000 --views 100000
    LIFESCOPE_VAR_DIR=/work/scale-data/1k python -m benchmarks.scale --save 1k.json
    LIFESCOPE_VAR_DIR=/work/scale-data/100k python -m benchmarks.generate_bulk      # 100k, 1M, 10M
    LIFESCOPE_VAR_DIR=/work/scale-data/100k python -m benchmarks.scale --save 100k.json
    python -m benchmarks.scale --compare 1k.json 100k.json

(DATABASE_URL=… instead of LIFESCOPE_VAR_DIR for PostgreSQL; REDIS_URL as in production.)

Renders each page in process with production settings, the page cache off and the sidebar
boxes and rankings warm, as on a busy site where one request a minute refreshes them, and prints
the median and 90th percentile of --samples renders, and each query the page ran, timed alone,
with its plan (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). "article" is
the newest published stories, a different one each render, with their related-stories lists
computed afresh; "article (warm)" renders them again with those lists cached. "tag (another
each time)" renders a different tag each time. The refreshes that run off the page path (the
popular box, rankings) are timed apart. With --compare, a table of two saved runs per page and
the ratio, against the 1.5x target.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from benchmarks.servers import ROOT, prepare, server_environment

TARGET_RATIO = 1.5
ARTICLES = 30
# A page stops being sampled after this long (three renders at least), so a page that takes
# seconds does not hold the run for minutes.
PAGE_BUDGET_SECONDS = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN output")
    parser.add_argument("--pages", help="comma-separated page names to measure (default: all)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    if args.compare:
        compare(*(json.loads(path.read_text()) for path in args.compare))
        return
    var_dir = os.environ.get("LIFESCOPE_VAR_DIR", str(ROOT / "var"))
    env = {
        **server_environment(var_dir, "scale-bench"),
        "LIFESCOPE_PAGE_CACHE": "0",
        # Counting views writes to the database; benchmarks/views.py measures that, not this.
        "LIFESCOPE_COUNT_VIEWS": "0",
    }
    os.environ.update(env)
    prepare(env)
    result = measure(args.samples, not args.no_plans, args.pages and args.pages.split(","))
    if args.save:
        args.save.write_text(json.dumps(result, indent=2))
        print(f"saved to {args.save}")


def measure(samples, plans, only=None):
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from taggit.models import Tag

    from articles.models import Article

    cache.clear()
    published = Article.objects.published().latest_first()
    newest = list(published[: ARTICLES + 1])
    spare = newest.pop()  # never rendered before its queries are captured: a cold page
    tag = newest[0].tags.order_by("name").first()
    # Other tags of the newest stories, a different one each render.
    fresh_tags = [
        f"/tags/{slug}/"
        for slug in Tag.objects.filter(
            taggit_taggeditem_items__object_id__in=[a.pk for a in newest]
        )
        .exclude(pk=tag.pk)
        .values_list("slug", flat=True)
        .distinct()[: ARTICLES + 2]
    ]
    cold_tag = fresh_tags.pop()  # shown with its queries, never rendered before
    number = newest[0].pk
    result = {
        "database": connection.vendor,
        "articles": Article.objects.count(),
        "load": os.getloadavg(),
        "pages": {},
        "refreshes": {},
    }
    print(f"{connection.vendor}: {result['articles']:,} articles, load {result['load'][0]:.2f}")
    client = Client(HTTP_HOST="127.0.0.1")
    stories = [article.get_absolute_url() for article in newest]
    pages = {  # name: (the URLs rendered in turn, the URL whose queries are shown)
        "front": (["/"], "/"),
        "article": (stories, spare.get_absolute_url()),
        "article (warm)": (stories, stories[0]),
        "tag": ([f"/tags/{tag.slug}/"], f"/tags/{tag.slug}/"),
        "tag (another each time)": (fresh_tags, cold_tag),
        "popular": (["/popular/"], "/popular/"),
        "search": (["/search/?q=generated+story"], "/search/?q=generated+story"),
        "search (one hit)": ([f"/search/?q={number}"], f"/search/?q={number}"),
    }
    for name, (urls, shown) in pages.items():
        if only and name not in only:
            continue
        client.get(urls[-1])  # fills the sidebar boxes and rankings, as the site's traffic does
        times, started = [], time.perf_counter()
        while len(times) < samples and (
            len(times) < 3 or time.perf_counter() - started < PAGE_BUDGET_SECONDS
        ):
            times.append(render(client, urls[len(times) % len(urls)]))
        times, cpu_times = [wall for wall, _ in times], [cpu for _, cpu in times]
        queries = page_queries(client, shown)
        timed = time_queries(queries)
        result["pages"][name] = figures(times) | {
            "cpu_ms": statistics.median(cpu_times) * 1000,
            "samples": len(times),
            "queries": len(queries),
            "sql_ms": sum(ms for _, ms in timed),
        }
        print_page(name, result["pages"][name])
        if plans:
            print_plans(timed)
    result["refreshes"] = time_refreshes(samples)
    return result


def render(client, url):
    """(wall seconds, CPU seconds of this process) of one render of `url`.

    On a shared machine the wall time includes waiting for a core; this process's CPU time
    does not (with SQLite it includes the database's work, with PostgreSQL not).
    """
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def page_queries(client, url):
    """The SQL of one more render of `url`, captured apart from the timed renders."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [q["sql"] for q in captured.captured_queries]


def time_queries(queries, repeats=5):
    """[(sql, median ms)] of each SELECT run again on its own, `repeats` times if it is quick.

    The captured timings are rounded to the millisecond on SQLite; these are not.
    """
    from django.db import connection

    timed = []
    for sql in queries:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        times = []
        with connection.cursor() as cursor:
            while len(times) < repeats and sum(times) < 1:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                times.append(time.perf_counter() - started)
        timed.append((sql, statistics.median(times) * 1000))
    return timed


def figures(times):
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p90_ms": ordered[int(len(ordered) * 0.9) - 1] * 1000,
    }


def print_page(name, page):
    print(
        f"  {name:<20} {page['median_ms']:7.1f} ms median, {page['p90_ms']:7.1f} ms p90, "
        f"{page['cpu_ms']:6.1f} ms CPU, "
        f"{page['samples']} renders; {page['queries']} queries taking {page['sql_ms']:.2f} ms"
    )


def print_plans(timed):
    """Each SELECT of the page with its time and its plan, as the database runs it."""
    from django.db import connection

    for sql, ms in timed:
        print(f"    {ms:6.2f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")
        prefix = (
            "EXPLAIN QUERY PLAN"
            if connection.vendor == "sqlite"
            else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}")
            rows = cursor.fetchall()
        for row in rows:
            line = row[-1] if connection.vendor == "sqlite" else row[0]
            if not line.lstrip().startswith(("Planning", "Buffers")):
                print(f"             {line}")


def time_refreshes(samples):
    """What requests never wait for, or one a minute does: the boxes and rankings they read."""

    from analytics import rankings
    from articles import navigation

    def popular_box():
        rankings.drop_box(sender=None)
        rankings.popular_box(request=None)

    jobs = {
        "popular box (ranking cached)": popular_box,
        "section links": navigation._list_sections,
        **{
            f"ranking {window}": (lambda window=window: rankings.compute(window, 30))
            for window in rankings.WINDOWS
        },
    }
    refreshes = {}
    print("refreshes (off the page path, or one request a minute):")
    for name, job in jobs.items():
        times = []
        for _ in range(max(3, samples // 5)):
            started = time.perf_counter()
            job()
            times.append(time.perf_counter() - started)
        refreshes[name] = figures(times)
        print(f"  {name:<20} {refreshes[name]['median_ms']:7.1f} ms median")
    return refreshes


def compare(small, large):
    """Prints both runs per page and their ratios, marking any over TARGET_RATIO.

    Three ratios: wall time (what a reader waits, noisy on a shared machine), this process's
    CPU time, and the time of the page's queries run alone (what grows with the data).
    """
    print(
        f"{small['database']}: {small['articles']:,} vs {large['articles']:,} articles "
        f"(load {small['load'][0]:.1f} / {large['load'][0]:.1f}); small → large, ratio"
    )
    print(f"  {'page':<20} {'wall ms':>21} {'CPU ms':>21} {'SQL ms':>23}  queries")
    for name, before in small["pages"].items():
        after = large["pages"].get(name)
        if after is None:
            continue
        cells = [cell(before.get(key), after.get(key)) for key in ("median_ms", "cpu_ms", "sql_ms")]
        # CPU time when both runs have it: wall time on a loaded machine is mostly waiting.
        key = "cpu_ms" if "cpu_ms" in before and "cpu_ms" in after else "median_ms"
        mark = "  over target" if after[key] / before[key] > TARGET_RATIO else ""
        print(
            f"  {name:<20} {cells[0]:>21} {cells[1]:>21} {cells[2]:>23}  "
            f"{before['queries']} → {after['queries']}{mark}"
        )
    print("  off the page path:")
    for name, before in small["refreshes"].items():
        if name in large["refreshes"]:
            print(
                f"  {name:<20} {cell(before['median_ms'], large['refreshes'][name]['median_ms'])}"
            )


def cell(before, after):
    if before is None or after is None:
        return "–"
    return f"{before:.1f} → {after:.1f} {after / max(before, 1e-6):4.1f}x"


if __name__ == "__main__":
    main()
