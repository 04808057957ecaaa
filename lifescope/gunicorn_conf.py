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
# Recycle workers now and then so no slow leak can grow without bound; jitter avoids a stampede.
max_requests = int(os.environ.get("LIFESCOPE_MAX_REQUESTS", 5000))
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
