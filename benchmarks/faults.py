"""Faults under load, with numbers: a worker killed, PostgreSQL restarted, Redis stopped.

    DATABASE_URL=postgres://…/lifescope_faults REDIS_URL=redis://127.0.0.1:6379/6 \\
        python -m benchmarks.faults [--kill-worker] [--postgres] [--redis] [--seconds 8]

Each scenario starts gunicorn (lifescope/gunicorn_conf.py), sends article views (each a new
visitor) and comments from 8 threads, causes its fault mid-way, then flushes the view buffer and
compares what the clients were told with what the database holds:
- every comment answered 302 is stored (none lost), none stored twice;
- views recorded lie between the views answered 200 and the views attempted (none counted
  twice; at most the requests in flight lost);
- errors (5xx or broken connections) fall only inside the fault's window.
--postgres restarts the local cluster and --redis stops and restarts the local Redis: both are
shared with whatever else runs on this machine, so they are opt-in and short. (The view-buffer
flush interrupted half-way is tested in tests/analytics/test_flush.py.)
"""

import argparse
import itertools
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from benchmarks.pages import BROWSER, Server, environment, prepare

RESTART_REDIS = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
    "--save", "", "--appendonly", "no",
]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--kill-worker", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: faults of shared state.")
    var_dir = Path(os.environ.get("LIFESCOPE_VAR_DIR") or f"/tmp/lifescope-faults-{os.getpid()}")
    var_dir.mkdir(exist_ok=True)
    env = {
        **environment(var_dir),
        "LIFESCOPE_CACHE_PREFIX": "lifescope-faults",
        "LIFESCOPE_COMMENTS_MIN_SECONDS": "0",
        "LIFESCOPE_COMMENTS_RATE_LIMIT": "100000",
    }
    os.environ.update(env)
    prepare(env)
    scenarios = [
        (args.kill_worker, "worker killed with SIGKILL", kill_worker),
        (args.postgres, "PostgreSQL restarted", restart_postgres),
        (args.redis, "Redis stopped for 3 s", stop_redis),
    ]
    for wanted, name, fault in scenarios:
        if wanted:
            run(name, fault, env, var_dir, args.seconds)


def kill_worker(server):
    os.kill(server.workers()[0], signal.SIGKILL)


def restart_postgres(server):
    cluster = os.listdir("/etc/postgresql")[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True
    )


def stop_redis(server):
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False)
    time.sleep(3)
    subprocess.run(RESTART_REDIS, check=True)


def run(name, fault, env, var_dir, seconds):
    from django.db import connection

    article, token = fresh_article()
    outcomes, lock = [], threading.Lock()
    stop = threading.Event()
    with Server(env, var_dir, {"WEB_CONCURRENCY": "3"}) as server:
        started = time.monotonic()

        def client(number):
            n = 0
            while not stop.is_set():
                n += 1
                kind = "comment" if n % 5 == 0 else "view"
                at = time.monotonic() - started
                status = send(server.port, article, token, kind, f"{number}-{n}")
                with lock:
                    outcomes.append((kind, f"{number}-{n}", status, at))

        with ThreadPoolExecutor(8) as pool:
            for number in range(8):
                pool.submit(client, number)
            time.sleep(seconds / 2)
            fault_at = time.monotonic() - started
            fault(server)
            fault_done = time.monotonic() - started
            time.sleep(seconds / 2)
            stop.set()
        recovered = send(server.port, article, token, "view", "after")
        outcomes.append(("view", "after", recovered, time.monotonic() - started))
        recovered = recovered == 200
    connection.close()  # PostgreSQL may have restarted under it
    report(name, article, outcomes, fault_at, fault_done, recovered)


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


def send(port, article, token, kind, tag):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"User-Agent": BROWSER, "Host": "127.0.0.1", "X-Forwarded-For": visitor(tag)}
    try:
        if kind == "view":
            connection.request("GET", article.get_absolute_url(), headers=headers)
        else:
            form = urllib.parse.urlencode(
                {
                    "name": "Tester",
                    "email": "t@example.com",
                    "body": f"Comment {tag}",
                    "token": token,
                }
            )
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request("POST", f"{article.get_absolute_url()}comments/", form, headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


VISITORS = itertools.count(1)


def visitor(tag):
    """A new address for every request: each view is a first read."""
    number = next(VISITORS)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


def report(name, article, outcomes, fault_at, fault_done, recovered):
    from django.db.models import Count

    from analytics import services
    from articles.models import Article
    from comments.models import Comment

    services.flush_views()
    views = [o for o in outcomes if o[0] == "view"]
    comments = [o for o in outcomes if o[0] == "comment"]
    answered = {f"Comment {tag}" for _, tag, status, _ in comments if status == 302}
    stored = Comment.objects.filter(article=article)
    stored_bodies = set(stored.values_list("body", flat=True))
    doubled = stored.values("body").annotate(n=Count("id")).filter(n__gt=1).count()
    recorded = Article.objects.get(pk=article.pk).view_count
    ok_views = sum(1 for o in views if o[2] == 200)
    errors = [o for o in outcomes if o[2] is None or o[2] >= 500]
    outside = [o for o in errors if not (fault_at - 0.5 <= o[3] <= fault_done + 2)]
    print(f"\n== {name} at {fault_at:.1f} s (done at {fault_done:.1f} s)")
    print(f"requests {len(outcomes)}, errors {len(errors)} ({len(outside)} outside the fault)")
    print(
        f"comments: {len(answered)} answered 302, {len(answered - stored_bodies)} of them lost, "
        f"{len(stored_bodies - answered)} stored without a 302 (in flight), {doubled} doubled"
    )
    print(
        f"views: attempted {len(views)}, answered 200 {ok_views}, recorded {recorded} "
        f"({'exact or in-flight only' if ok_views <= recorded <= len(views) else 'WRONG'})"
    )
    print(f"served again afterwards: {'yes' if recovered else 'NO'}")


if __name__ == "__main__":
    main()
