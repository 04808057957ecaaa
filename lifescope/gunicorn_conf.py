"""Gunicorn settings for `make serve` and production: `gunicorn -c lifescope/gunicorn_conf.py`.

Every value can be overridden with gunicorn's own GUNICORN_CMD_ARGS or the variables below.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("LIFESCOPE_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
wsgi_app = "lifescope.wsgi:application"
# Pages spend most of their time in Python, not waiting on I/O: one process per core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("LIFESCOPE_THREADS", 2))
# Connections one worker holds at once. gunicorn's 1,000 lets whichever worker wakes first take
# every keep-alive connection a proxy or load balancer opens, and hold them: the others idle
# while it queues (seen here: 11,592 requests on one worker, 2,500 and 0 on the other two, at
# half the rate of an even spread). A few per thread keeps them spread; a worker past its share
# of kept-alive connections closes one after its answer, and the client reconnects to another.
worker_connections = int(os.environ.get("LIFESCOPE_WORKER_CONNECTIONS", 4 * threads))
# Recycle workers now and then so no slow leak can grow without bound; jitter avoids a stampede.
# Counted in requests, so it must be sized for the busiest hour: a new worker costs about half a
# second of CPU to start Django and begins with an empty in-process cache. At 5,000, a worker
# serving a story gone viral (1,000 cached pages a second) restarted every five seconds, which
# cost up to a quarter of the pages served (benchmarks.pages), while `benchmarks.pages` shows no
# growth between 10,000 and 20,000 requests per worker. At 100,000: every two minutes at peak.
max_requests = int(os.environ.get("LIFESCOPE_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
timeout = 30
graceful_timeout = 20
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
access_log_format = 'method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s duration_us=%(D)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def post_worker_init(worker):
    """Keeps the garbage collector off what every worker loads once: Django, the URL conf, the
    templates. Frozen, those ~100,000 objects are never traversed again, and the higher first
    threshold runs young collections every few requests rather than several times in each
    (a rendered article page allocates thousands of objects). The collector's whole share of a
    rendered page is about 2% of its instructions (callgrind); this keeps it from growing with
    the heap.
    """
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)
