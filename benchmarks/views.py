"""Article page throughput with view counting on and off, and whether every view was counted.

    python -m benchmarks.views [--requests 2000] [--clients 16] [--rounds 2] [--workers 4]

Starts the real app under gunicorn on a loopback port, once per mode and round, warms it with
WARM_UP untimed visitors, and fires GET requests at published articles from a bounded pool of
clients. Each request is a distinct visitor (its own X-Forwarded-For, believed because
127.0.0.1 is a trusted proxy here). Then, untimed, one more visitor reloads an article REPEATS
times from every client at once, so the reloads land on several worker processes. After each
run it flushes the view logs and checks that exactly one view per distinct visitor was
recorded.

Uses SQLite in a temporary folder, or DATABASE_URL (PostgreSQL). Each process appends its views
to a file of its own and the host's flush moves them into the database, whose sighting rows
dedupe them across processes (analytics/counting.py tells the whole path). gunicorn runs
several processes and flushes the views itself, after responses, as in production.

Requests per second swing with whatever else runs on the machine, so it also prints the CPU
time the server's workers spent per request, which moves much less.
"""

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.servers import prepare, server_environment

ROOT = Path(__file__).resolve().parent.parent
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ARTICLES = 20
REPEATS = 100  # reloads of the one repeat visitor per run, to be counted once
# Untimed visitors first, a hundred per worker, so the timed requests see workers in their
# steady state: templates compiled, queries planned, view files open, flush scripts loaded.
# Counted too (when counting is on), and expected among the views recorded.
WARM_UP = 400


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="runs per mode, alternating")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="lifescope-bench-"))
    env = server_environment(var_dir, "lifescope-bench")
    os.environ.update(env)
    prepare(env)
    article_paths = create_articles()
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    cache = "Redis cache" if os.environ.get("REDIS_URL") else "in-process cache"
    # As many threads in all as clients: none waits for a thread, none sits idle.
    workers, threads = args.workers, max(1, args.clients // args.workers)
    print(
        f"{backend}, {cache}; gunicorn "
        f"{workers} worker(s) x {threads} thread(s); {args.requests} requests from "
        f"{args.clients} clients per run"
    )

    results = {True: [], False: []}
    for round_number in range(args.rounds):
        for counting in (False, True):
            run = run_once(
                env, article_paths, args, counting, workers, threads, round_number * 2 + counting
            )
            results[counting].append(run)
            print(
                f"  round {round_number + 1}, counting {'on ' if counting else 'off'}: "
                f"{run['rate']:7.1f} req/s, {run['cpu_ms']:.3f} server CPU ms/request, "
                f"{run['views']} views recorded "
                f"(expected {run['expected']}), {run['errors']} 5xx/failed, "
                f"{run['locked']} 'database is locked'"
            )

    median_on = statistics.median(run["rate"] for run in results[True])
    median_off = statistics.median(run["rate"] for run in results[False])
    exact = all(run["views"] == run["expected"] for runs in results.values() for run in runs)
    clean = all(run["errors"] == 0 and run["locked"] == 0 for r in results.values() for run in r)
    print(f"median: counting off {median_off:.1f} req/s, on {median_on:.1f} req/s")
    print(f"counting costs {100 * (1 - median_on / median_off):.1f}% of throughput (noisy)")
    cpu_on = statistics.median(run["cpu_ms"] for run in results[True])
    cpu_off = statistics.median(run["cpu_ms"] for run in results[False])
    print(
        f"server CPU per request: counting off {cpu_off:.3f} ms, on {cpu_on:.3f} ms: "
        f"counting costs {100 * (cpu_on / cpu_off - 1):.1f}% (steadier on a shared machine)"
    )
    page, count = in_process_costs(article_paths[0])
    print(
        f"in process: an article page takes {page:.2f} ms, counting a view {count:.3f} ms "
        f"= {100 * count / page:.1f}% of the page"
    )
    print(f"views exact: {'yes' if exact else 'NO'}")
    print(f"no 5xx and no 'database is locked': {'yes' if clean else 'NO'}")
    return 0 if exact and clean else 1


def in_process_costs(path, samples=300):
    """Median milliseconds to render an article page, and to count one new visitor's view.

    Measured in this process, alternating, so a busy machine slows both alike.
    """
    from django.test import Client, RequestFactory

    from analytics.counting import count_read
    from articles.models import Article

    article_id = Article.objects.get(slug=path.strip("/").split("/")[-1]).pk
    client, factory = Client(HTTP_HOST="127.0.0.1"), RequestFactory()
    salt = random.randrange(1 << 16)
    pages, counts = [], []
    for n in range(samples):
        started = time.perf_counter()
        client.get(path, HTTP_USER_AGENT="")  # rendered, not counted
        pages.append(time.perf_counter() - started)
        request = factory.get(path, REMOTE_ADDR=f"fd01:{salt:x}::{n:x}", HTTP_USER_AGENT=BROWSER)
        started = time.perf_counter()
        assert count_read(request, article_id)
        counts.append(time.perf_counter() - started)
    return statistics.median(pages) * 1000, statistics.median(counts) * 1000


def create_articles():
    from django.contrib.auth import get_user_model

    from articles.models import Article, Section

    author, _ = get_user_model().objects.get_or_create(username="bench-author")
    section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Benchmark"})
    paths = []
    for n in range(ARTICLES):
        article, _ = Article.objects.get_or_create(
            slug=f"bench-story-{n}",
            defaults={
                "title": f"Benchmark story {n}",
                "standfirst": "A story read many times at once.",
                "body": "<p>" + "Words to read. " * 300 + "</p>",
                "author": author,
                "section": section,
                "status": Article.Status.PUBLISHED,
            },
        )
        paths.append(article.get_absolute_url())
    return paths


def recorded_views():
    from django.db.models import Sum

    from analytics import flush
    from articles.models import Article

    flush.flush(wait=True)
    total = Article.objects.filter(slug__startswith="bench-story-").aggregate(Sum("view_count"))
    return total["view_count__sum"] or 0


def run_once(env, paths, args, counting, workers, threads, run_number):
    port = free_port()
    before = recorded_views()
    server, log = start_server(env, port, counting, workers, threads)
    try:
        for path in paths:  # warms templates and sidebar caches; no user agent, so not counted
            get(port, path, user_agent="")
        fire(port, paths, WARM_UP, args.clients, run_number)
        cpu_before = workers_cpu_seconds(server.pid)
        statuses, elapsed = fire(port, paths, args.requests, args.clients, run_number)
        cpu = workers_cpu_seconds(server.pid) - cpu_before
        statuses += fire(port, paths, REPEATS, args.clients, run_number, one_visitor=True)[0]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    locked = log.read_text().count("database is locked")
    errors = sum(1 for status in statuses if status is None or status >= 500)
    return {
        "rate": args.requests / elapsed,
        "cpu_ms": 1000 * cpu / args.requests,
        "views": recorded_views() - before,
        "expected": args.requests + WARM_UP + 1 if counting else 0,
        "errors": errors,
        "locked": locked,
    }


def workers_cpu_seconds(master_pid):
    """CPU time (user + system) the server's workers have used so far.

    Unlike requests per second, it hardly moves when other programs share the cores.
    """
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def start_server(env, port, counting, workers, threads):
    log = Path(env["LIFESCOPE_VAR_DIR"]) / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "lifescope.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env, "LIFESCOPE_COUNT_VIEWS": "1" if counting else "0"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(port, "/", user_agent="")
            return server, log
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log}")


def fire(port, paths, total, clients, run_number, one_visitor=False):
    """`total` GETs from `clients` threads, each request a visitor of its own, or all of them
    one visitor reloading the first article."""
    local = threading.local()
    # Sightings in the database outlive a run: a random part keeps every run's visitors new.
    salt = random.randrange(1 << 16)

    def one(n):
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if one_visitor:
            visitor, path = f"fd00:{salt:x}:{run_number:x}:1::", paths[0]
        else:
            visitor, path = f"fd00:{salt:x}:{run_number:x}::{n:x}", paths[n % len(paths)]
        try:
            return request(local.connection, path, BROWSER, visitor)
        except (OSError, http.client.HTTPException):
            local.connection.close()
            return None

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(one, range(total)))
    return statuses, time.perf_counter() - started


def request(connection, path, user_agent, visitor=None):
    headers = {"User-Agent": user_agent, "Host": "127.0.0.1"}
    if visitor:
        headers["X-Forwarded-For"] = visitor
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def get(port, path, user_agent=BROWSER):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        return request(connection, path, user_agent)
    finally:
        connection.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
