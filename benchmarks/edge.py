"""The site behind Varnish (deploy/varnish/default.vcl): pages against the static ceiling, what
reaches the app, views, and how soon an edit is served.

    python -m benchmarks.edge [--seconds 10] [--connections 16] [--visitors 2000] [--edits 100]

Starts gunicorn (lifescope/gunicorn_conf.py, as benchmarks/pages.py does) and varnishd with the
shipped VCL in front of it (benchmarks/varnish.py), on loopback, then prints:

- the static ceiling, measured as benchmarks/pages.py measures it (a trivial WSGI app answering
  the article's bytes), before and after, and the article page through Varnish with wrk, each
  request a new visitor: as browsers ask (gzip, the object as stored) and without
  Accept-Encoding (Varnish unzips each answer); its ratio to the ceiling (target 0.8) and the
  share of those requests that reached the app (varnishstat MAIN.backend_req; target 2%);
- views: --visitors distinct readers through Varnish, each the page then its beacon as a
  browser does, then the views flushed: the article's count must have grown by exactly that;
- purge latency: --edits edits of a cached article saved through the ORM as the admin saves
  them, each timed from the save to the first fresh page through Varnish (p50, p99; target p99
  under a second). It needs REDIS_URL: without it each worker keeps pages of its own, which an
  edit saved in this process cannot retire.

Uses SQLite in a temporary folder, or DATABASE_URL / REDIS_URL when set. The PostgreSQL + Redis
origin without Varnish (cached article, target 0.30 of the ceiling) is benchmarks/pages.py's
"article, cache warm" row: `DATABASE_URL=… REDIS_URL=… python -m benchmarks.pages`.
"""

import argparse
import http.client
import io
import os
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from benchmarks.pages import BROWSER, VISITORS_LUA, Server, create_content, fetch, wrk
from benchmarks.servers import prepare, server_environment
from benchmarks.varnish import Varnish


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="lifescope-edge-"))
    varnish = Varnish(var_dir)
    env = {
        **server_environment(var_dir, "lifescope-bench-edge"),
        "LIFESCOPE_PURGE_URLS": varnish.url,
    }
    os.environ.update({**env, "LIFESCOPE_PURGE_URLS": ""})
    prepare(env)
    urls = create_content()
    # This process saves the edits, so it purges Varnish as the app servers do, once it runs.
    settings.PAGE_CACHE["PURGE_URLS"] = [varnish.url]
    lua = var_dir / "visitors.lua"
    lua.write_text(VISITORS_LUA)
    print(
        f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
        f"{' + Redis' if os.environ.get('REDIS_URL') else ', in-process cache'}; one gunicorn "
        f"(lifescope/gunicorn_conf.py) behind varnishd; wrk, {args.connections} connections, "
        f"{args.seconds} s per row, each request a new visitor; load average "
        f"{os.getloadavg()[0]:.1f} before"
    )

    rows = []
    with Server(env, var_dir, {}) as origin, varnish:
        varnish.start([origin.port])
        body = fetch(origin.port, urls["article"])
        ceiling_file = var_dir / "article.html"
        ceiling_file.write_bytes(body)
        rows.append(("static ceiling", ceiling(env, var_dir, urls, args, lua, ceiling_file)))
        article = f"{varnish.url.rstrip('/')}{urls['article']}"
        for name, extra in (
            ("article via Varnish, gzip", ["-H", "Accept-Encoding: gzip, deflate, br"]),
            ("article via Varnish, identity", []),
        ):
            wrk(article, args.connections, 2, lua, extra)  # fills the cache and warms up
            sent = varnish.counter("MAIN.backend_req")
            result = wrk(article, args.connections, args.seconds, lua, extra)
            result["origin"] = (varnish.counter("MAIN.backend_req") - sent) / result["requests"]
            rows.append((name, result))
        views = count_visitors(varnish, urls["article"], args.visitors)
        # Without Redis each worker has a cache of its own, which an edit saved here never
        # retires: the purge reaches Varnish, but the page it fetches again may be stale.
        latencies = purge_latencies(varnish, args.edits) if os.environ.get("REDIS_URL") else None
    rows.append(("static ceiling again", ceiling(env, var_dir, urls, args, lua, ceiling_file)))
    print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
    report(rows, views, latencies, args)


def ceiling(env, var_dir, urls, args, lua, ceiling_file):
    extra = {"LIFESCOPE_CEILING_FILE": str(ceiling_file)}
    with Server(env, var_dir, extra, app="benchmarks.pages:ceiling") as server:
        return server.load(urls["article"], args, lua)


def count_visitors(varnish, path, visitors):
    """(views recorded, beacons answered 200): each visitor reads the page through Varnish,
    then its beacon, from an address of its own; the views are flushed before and after."""
    from django.core.management import call_command

    from articles.models import Article

    beacon = re.compile(rb'<img class="view-beacon" src="(/v/[^"]+)"')
    call_command("flush_views", stdout=io.StringIO())
    slug = path.strip("/").split("/")[-1]
    before = Article.objects.get(slug=slug).view_count

    # Readers this run's alone: a reader of an earlier run on this database would be a repeat.
    agent = f"{BROWSER} run/{time.time_ns()}"

    def visit(n):
        connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=30)
        # A front that names the reader in X-Forwarded-For; Varnish appends the front's own.
        headers = {"User-Agent": agent, "Host": "127.0.0.1", "X-Forwarded-For": address(n)}
        try:
            connection.request("GET", path, headers=headers)
            page = connection.getresponse().read()
            connection.request("GET", beacon.search(page).group(1).decode(), headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    with ThreadPoolExecutor(16) as pool:
        answered = sum(status == 200 for status in pool.map(visit, range(visitors)))
    call_command("flush_views", stdout=io.StringIO())
    return Article.objects.get(slug=slug).view_count - before, answered


def address(n):
    """Visitor n's address, apart from the 10.x.y.z wrk's visitors use."""
    return f"172.16.{n // 250}.{n % 250 + 1}"


def purge_latencies(varnish, edits):
    """Seconds from each edit's save to the first page through Varnish that shows it."""
    from django.db import transaction

    from articles import services
    from articles.models import Article

    article = Article.objects.get(slug="bench-story-1")
    path = article.get_absolute_url()
    latencies = []
    for n in range(edits):
        while x_cache(varnish.port, path) != "HIT":
            pass  # until Varnish has the page again, as a read article always is
        title = f"Benchmark story 1, edit {n}"
        saved = time.monotonic()
        with transaction.atomic():
            services.changing([article.pk])
            article.title = title
            article.save()
        while title.encode() not in fetch(varnish.port, path):
            pass  # polling, as a reader reloading would
        latencies.append(time.monotonic() - saved)
    return latencies


def x_cache(port, path):
    """Whether Varnish answered `path` from its cache (the X-Cache header its VCL adds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"User-Agent": BROWSER, "Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.getheader("X-Cache")
    finally:
        connection.close()


def report(rows, views, latencies, args):
    ceiling_rate = (rows[0][1]["rate"] + rows[-1][1]["rate"]) / 2
    print(f"\nceiling, mean of both runs: {ceiling_rate:.0f} req/s")
    print(f"{'page':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'origin':>9}  errors")
    for name, result in rows:
        origin = f"{result['origin']:>9.2%}" if "origin" in result else " " * 9
        print(
            f"{name:<32}{result['rate']:>9.0f}{result['p50']:>9.1f}{result['p99']:>9.1f}"
            f"{result['rate'] / ceiling_rate:>8.3f}{origin}  {result['errors']}"
        )
    gzip_row = rows[1][1]
    ratio = gzip_row["rate"] / ceiling_rate
    print(
        f"target: via Varnish (gzip) >= 0.80 of the ceiling: {'met' if ratio >= 0.8 else 'MISSED'}"
        f"; origin <= 2% of page requests: {'met' if gzip_row['origin'] <= 0.02 else 'MISSED'}"
    )
    recorded, answered = views
    print(
        f"\nviews: {args.visitors:,} visitors through Varnish (page, then beacon), "
        f"{answered:,} beacons answered 200, {recorded:,} views recorded: "
        f"{'exact' if recorded == answered == args.visitors else 'NOT EXACT'}"
    )
    if latencies is None:
        print("purge latency: skipped, needs REDIS_URL (the page cache every worker shares)")
        return
    cut = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p99 = statistics.median(latencies), cut[98]
    print(
        f"purge latency over {len(latencies)} edits, save to fresh page through Varnish: "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        f" (target p99 < 1 s: {'met' if p99 < 1 else 'MISSED'})"
    )


if __name__ == "__main__":
    sys.exit(main())
