"""`/healthz` for load balancers: 503 if the database fails, 200 "degraded" if only the cache does.

Every host shares one Redis, and pages are still served without it (at a cost), so failing the
cache check would make a balancer take every host out at once: it is reported, not fatal.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _database_ok():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_ok():
    # django-redis ignores Redis errors by design, so a round trip is the only honest check.
    probe = uuid.uuid4().hex
    cache.set("healthz:probe", probe, timeout=10)
    return cache.get("healthz:probe") == probe


CHECKS = {"database": _database_ok, "cache": _cache_ok}
# Checks whose failure means this host cannot serve pages.
ESSENTIAL = {"database"}


@never_cache
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "failing"
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = "failing"
    failing = {name for name, state in results.items() if state != "ok"}
    if failing & ESSENTIAL:
        status, code = "failing", 503
    else:
        status, code = ("degraded" if failing else "ok"), 200
    return JsonResponse({"status": status, **results}, status=code)
