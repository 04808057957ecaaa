"""What a page-cache miss costs: the article and the front page rendered in process.

    python -m benchmarks.render [--renders 400]

Production settings, SQLite in a temporary folder (or DATABASE_URL / REDIS_URL when set), the
page cache and view counting off, the content of benchmarks.pages (the article has 30 approved
comments). The popular box, rankings, related stories and section links are warm, as on a busy
site where one request a minute refreshes them, and so are the fragments that pages are made of
(lifescope/page_cache.py) where the code keeps them; everything else is rendered each time. Prints
each page's median and fastest tenth in milliseconds, and the queries one render runs. Pages
alternate, so a load that comes and goes weighs on both alike. For comparing code: run it in
each checkout, one after the other, on a quiet machine.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.servers import prepare, server_environment


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=400, help="renders of each page")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="lifescope-render-"))
    env = {
        **server_environment(var_dir, "lifescope-bench-render"),
        "LIFESCOPE_PAGE_CACHE": "0",
        "LIFESCOPE_COUNT_VIEWS": "0",
    }
    os.environ.update(env)
    prepare(env)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks.pages import create_content

    urls = create_content()
    # Making the content retired its pages and fragments: what is rendered within the hosts'
    # clock skew after that is not kept (lifescope/page_cache.py), so wait that out.
    time.sleep(settings.PAGE_CACHE.get("CLOCK_SKEW_SECONDS", 0))
    pages = {"article": urls["article"], "front": urls["front"]}
    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="benchmark")
    queries = {}
    for name, url in pages.items():
        for _ in range(20):  # warms the boxes, rankings, related stories and Python's caches
            assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[name] = len(captured)
    times = {name: [] for name in pages}
    for _ in range(args.renders):
        for name, url in pages.items():
            started = time.perf_counter()
            client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
    print(f"{connection.vendor}; {args.renders} renders each; load {os.getloadavg()[0]:.1f}")
    print(f"{'page':<10}{'median ms':>11}{'fastest 10% ms':>16}{'queries':>9}")
    for name, samples in times.items():
        fastest = statistics.quantiles(samples, n=10)[0]
        print(f"{name:<10}{statistics.median(samples):>11.2f}{fastest:>16.2f}{queries[name]:>9}")


if __name__ == "__main__":
    main()
