"""Faults under load, with numbers: a worker killed, Redis stopped, PostgreSQL restarted.

    python -m benchmarks.faults [--seconds 10] [SCENARIO ...]

Scenarios (all by default): kill-worker-sqlite, kill-worker-postgres, redis, redis-aof,
postgres.
Each runs in a fresh process with servers of its own, so it is safe on a shared machine: a
temporary SQLite file (the embedded default), or a private PostgreSQL cluster (initdb) and a
private redis-server, each on a free loopback port. Only those are stopped and restarted.

Each scenario starts gunicorn (lifescope/gunicorn_conf.py, 3 workers), sends article views
(each a new visitor) and comments (each from a new address) from 8 threads, causes its fault
half-way, then runs `manage.py flush_views` and compares what the clients were told with what
the database holds:
- every comment answered 302 is stored (none lost), and none is stored twice;
- every view answered 200 is counted, each exactly once: the views recorded equal the
  visitors whose sightings the flush stored, and the script, which knows the secret key, checks
  those visitors one by one against the requests that were answered;
- errors (5xx or broken connections) fall only inside the fault's window;
- afterwards pages are served again, /healthz says ok, and the page cache hits again.
(A flush interrupted half-way is tested in tests/analytics/test_flush.py.)
"""

import argparse
import io
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import NamedTuple

from benchmarks.pages import BROWSER, Server
from benchmarks.private_servers import PrivatePostgres, PrivateRedis
from benchmarks.servers import ROOT, prepare, server_environment

CLIENTS = 8
# flush_views runs this often during the load, beside the servers' own flushes, so flushes of
# several processes race as they would with cron.
FLUSH_EVERY_SECONDS = 2
REDIS_DOWN_SECONDS = 3
POSTGRES_DOWN_SECONDS = 2


def kill_worker(servers, gunicorn):
    os.kill(gunicorn.workers()[0], signal.SIGKILL)


def stop_redis(servers, gunicorn):
    servers["redis"].stop()
    time.sleep(REDIS_DOWN_SECONDS)
    servers["redis"].start()


def restart_postgres(servers, gunicorn):
    servers["postgres"].stop("fast")
    time.sleep(POSTGRES_DOWN_SECONDS)
    servers["postgres"].start()


class Scenario(NamedTuple):
    title: str
    fault: Callable
    servers: str  # "sqlite": the embedded default; "redis": PostgreSQL and Redis
    redis_persists: bool = False  # an append-only file, fsynced on every write


REDIS_DOWN = f"Redis killed (SIGKILL), back after {REDIS_DOWN_SECONDS} s"
SCENARIOS = {
    "kill-worker-sqlite": Scenario("worker killed with SIGKILL, SQLite", kill_worker, "sqlite"),
    "kill-worker-postgres": Scenario(
        "worker killed with SIGKILL, PostgreSQL + Redis", kill_worker, "redis"
    ),
    "redis": Scenario(f"{REDIS_DOWN}, no persistence", stop_redis, "redis"),
    "redis-aof": Scenario(
        f"{REDIS_DOWN}, appendonly yes + appendfsync always", stop_redis, "redis", True
    ),
    "postgres": Scenario(
        f"PostgreSQL stopped for {POSTGRES_DOWN_SECONDS} s and started, PostgreSQL + Redis",
        restart_postgres,
        "redis",
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help=", ".join(SCENARIOS))
    parser.add_argument("--seconds", type=float, default=10, help="load per scenario")
    parser.add_argument("--in-this-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}")
    if args.in_this_process:
        return run_scenario(args.scenarios[0], args.seconds)
    # Django's settings are read once per process: one process per scenario.
    failed = 0
    for name in args.scenarios or SCENARIOS:
        command = [sys.executable, "-m", "benchmarks.faults", name, "--seconds", str(args.seconds)]
        failed += subprocess.run([*command, "--in-this-process"], cwd=ROOT).returncode != 0
    return 1 if failed else 0


def run_scenario(name, seconds):
    scenario = SCENARIOS[name]
    workdir = Path(tempfile.mkdtemp(prefix=f"lifescope-faults-{name}-"))
    for variable in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(variable, None)
    env = {
        **server_environment(workdir, "lifescope-faults"),
        "LIFESCOPE_COMMENTS_MIN_SECONDS": "0",
        "LIFESCOPE_COMMENTS_RATE_LIMIT": "100000",
    }
    servers = {}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        if scenario.servers == "redis":
            servers["postgres"] = stack.enter_context(PrivatePostgres())
            redis = PrivateRedis(workdir, persists=scenario.redis_persists)
            servers["redis"] = stack.enter_context(redis)
            env["DATABASE_URL"] = servers["postgres"].url
            env["REDIS_URL"] = servers["redis"].url
        os.environ.update(env)
        prepare(env)
        article, token = fresh_article()
        with Server(env, workdir, {"WEB_CONCURRENCY": "3"}) as gunicorn:
            load = Load(gunicorn.port, article, token)
            load.run(seconds, lambda: scenario.fault(servers, gunicorn))
            after = load.after_the_fault()
        subprocess.run(
            [sys.executable, "manage.py", "flush_views"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        from django.db import connection

        connection.close()  # PostgreSQL may have restarted under it
        report(scenario.title, article, load, after)
    return 0


class Load:
    """CLIENTS threads sending views and comments, and one probing /healthz, until stopped."""

    def __init__(self, port, article, token):
        self.port, self.article, self.token = port, article, token
        # (kind, tag, status or None for a broken connection, seconds at start, at the answer,
        # the visitor's address)
        self.outcomes = []
        self.health = []  # (seconds, status)
        self.failed_flushes = []
        self.flushed_at = []  # when each flush that succeeded started
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = time.monotonic()

    def now(self):
        return time.monotonic() - self.started

    def run(self, seconds, fault):
        with ThreadPoolExecutor(CLIENTS + 2) as pool:
            for number in range(CLIENTS):
                pool.submit(self.client, number)
            pool.submit(self.probe_health)
            pool.submit(self.flush_now_and_then)
            time.sleep(seconds / 2)
            self.fault_at = self.now()
            fault()
            self.fault_done = self.now()
            time.sleep(seconds / 2)
            self.stop.set()
        self.stopped_at = self.now()

    def client(self, number):
        for n in itertools.count(1):
            if self.stop.is_set():
                return
            self.send("comment" if n % 5 == 0 else "view", f"{number}-{n}")

    def probe_health(self):
        while not self.stop.is_set():
            at = self.now()
            status, _ = request(self.port, "GET", "/healthz")
            self.health.append((at, status))
            time.sleep(0.2)

    def flush_now_and_then(self):
        from django.core.management import call_command
        from django.db import connection

        while not self.stop.wait(FLUSH_EVERY_SECONDS):
            started = self.now()
            try:
                call_command("flush_views", stdout=io.StringIO())
                self.flushed_at.append(started)
            except Exception as error:  # the database may be down: the next run catches up
                self.failed_flushes.append(f"{started:.1f} s: {type(error).__name__}")
            finally:
                connection.close()

    def send(self, kind, tag):
        at = self.now()
        url = self.article.get_absolute_url()
        address = visitor()
        headers = {"User-Agent": BROWSER, "X-Forwarded-For": address}
        if kind == "view":
            status, _ = request(self.port, "GET", url, headers=headers)
        else:
            form = {"name": "Tester", "email": "t@example.com", "body": f"Comment {tag}"}
            status, _ = request(
                self.port,
                "POST",
                f"{url}comments/",
                urllib.parse.urlencode({**form, "token": self.token}),
                {**headers, "Content-Type": "application/x-www-form-urlencoded"},
            )
        with self.lock:
            self.outcomes.append((kind, tag, status, at, self.now(), address))
        return status

    def after_the_fault(self):
        """Is everything back? A view, a page-cache hit (each worker has a cache of its own
        without Redis, hence several tries), /healthz."""
        time.sleep(1)
        served = self.send("view", "after-1") == 200
        url = self.article.get_absolute_url()
        # No user agent: these requests are not counted as views.
        anonymous = {"User-Agent": ""}
        hit = any(request(self.port, "GET", url, headers=anonymous)[1] == "hit" for _ in range(8))
        healthy = request(self.port, "GET", "/healthz")[0] == 200
        self.send("view", "after-2")  # counted like the load's views
        return {"served": served, "page cache hits": hit, "/healthz ok": healthy}


def request(port, method, path, body=None, headers=None):
    """(status or None when the connection broke, the X-Page-Cache header).

    A response cut off mid-body (its worker killed while sending it) raises IncompleteRead,
    an HTTPException and not an OSError: it is a broken connection too. (Uncaught, it ended the
    client's thread without recording the request, whose view the site had counted: the one
    view "recorded but never answered" that an earlier run reported.)"""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"User-Agent": BROWSER, "Host": "127.0.0.1", **(headers or {})}
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Page-Cache")
    except (OSError, HTTPException):
        return None, None
    finally:
        connection.close()


VISITORS = itertools.count(1)


def visitor():
    """A new address for every request: each view is a first read, each comment a new client."""
    number = next(VISITORS)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


def fresh_article():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from articles.models import Article, Section
    from comments.forms import form_token

    author, _ = get_user_model().objects.get_or_create(username="faults-author")
    section, _ = Section.objects.get_or_create(slug="faults", defaults={"name": "Faults"})
    article = Article.objects.create(
        title=f"Fault story {time.time_ns()}",
        slug=f"fault-{time.time_ns()}",
        standfirst="Read while things break.",
        body="<p>Words.</p>",
        author=author,
        section=section,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
    )
    return article, form_token(article, now=timezone.now() - timedelta(seconds=60))


def report(title, article, load, after):
    from django.db.models import Count, Sum
    from django.test import RequestFactory

    from analytics import visitors
    from analytics.models import ViewSighting
    from articles.models import Article
    from comments.models import Comment, RateLimitWindow

    outcomes = load.outcomes
    views = [o for o in outcomes if o[0] == "view"]
    comments = [o for o in outcomes if o[0] == "comment"]
    answered = {f"Comment {o[1]}" for o in comments if o[2] == 302}
    stored = Comment.objects.filter(article=article)
    stored_bodies = set(stored.values_list("body", flat=True))
    doubled = stored.values("body").annotate(n=Count("id")).filter(n__gt=1).count()
    recorded = Article.objects.get(pk=article.pk).view_count
    ok_views = sum(1 for o in views if o[2] == 200)
    errors = sorted(o[3:5] for o in outcomes if o[2] is None or o[2] >= 500)
    broken = sum(1 for o in outcomes if o[2] is None)
    # An error belongs to the fault when the request was under way at some time inside it.
    outside = [
        (sent, answered)
        for sent, answered in errors
        if answered < load.fault_at - 0.5 or sent > load.fault_done + 1
    ]
    statuses = {}
    for o in outcomes:
        statuses[o[2]] = statuses.get(o[2], 0) + 1

    print(f"\n== {title}")
    print(
        f"fault from {load.fault_at:.1f} s to {load.fault_done:.1f} s of "
        f"{load.stopped_at:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"requests {len(outcomes)}: "
        + ", ".join(f"{s or 'broken'} ×{n}" for s, n in sorted(statuses.items(), key=str))
    )
    span = ""
    if errors:
        span = f", sent from {errors[0][0]:.1f} s, answered by {max(e[1] for e in errors):.1f} s"
    print(
        f"errors {len(errors)} ({broken} broken connections){span}; "
        f"{len(outside)} outside the fault ±1 s"
    )
    print(
        f"comments: sent {len(comments)}, answered 302 {len(answered)}, stored "
        f"{len(stored_bodies)}: {len(answered - stored_bodies)} answered but lost, "
        f"{len(stored_bodies - answered)} stored without a 302 (in flight), {doubled} doubled"
    )
    # Each view is a new visitor: its sighting says it was counted, once.
    factory = RequestFactory(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT=BROWSER)

    def key(address):
        return visitors.visitor_key(factory.get("/", HTTP_X_FORWARDED_FOR=address))

    sighted = set(
        ViewSighting.objects.filter(article_id=article.pk).values_list("visitor", flat=True)
    )
    answered_views = {key(o[5]) for o in views if o[2] == 200}
    unanswered = {key(o[5]) for o in views if o[2] != 200}
    lost = len(answered_views - sighted)
    twice = recorded - len(sighted)
    strays = len(sighted - answered_views - unanswered)
    in_flight = len(sighted & unanswered)
    verdict = "exact" if not (lost or twice or strays) else "WRONG"
    print(
        f"views: sent {len(views)}, answered 200 {ok_views}, recorded {recorded} after "
        f"flush_views: {lost} answered but lost, {twice} counted twice, {in_flight} counted "
        f"of {len(unanswered)} unanswered (in flight), {strays} of no request ({verdict})"
    )
    in_database = RateLimitWindow.objects.aggregate(n=Sum("attempts"))["n"] or 0
    during = sum(1 for o in comments if load.fault_at <= o[3] <= load.fault_done)
    print(
        f"comment rate limits counted in the database (no Redis, or Redis unreachable): "
        f"{in_database} attempts; comments sent during the fault: {during}"
    )
    per_second = [0] * (int(load.stopped_at) + 1)
    for o in outcomes:
        if o[2] is not None and o[2] < 500 and o[4] < len(per_second):
            per_second[int(o[4])] += 1
    fault_seconds = range(int(load.fault_at), int(load.fault_done) + 1)
    print(
        "answered per second, [during the fault]: "
        + " ".join(
            f"[{n}]" if second in fault_seconds else str(n) for second, n in enumerate(per_second)
        )
    )
    if load.failed_flushes:
        print(f"flush_views failed at {', '.join(load.failed_flushes)} (caught up later)")
    unhealthy = [at for at, status in load.health if status != 200]
    if unhealthy:
        print(
            f"/healthz not ok {len(unhealthy)} of {len(load.health)} probes, "
            f"from {unhealthy[0]:.1f} s to {unhealthy[-1]:.1f} s"
        )
    print("afterwards: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in after.items()))


if __name__ == "__main__":
    sys.exit(main())
