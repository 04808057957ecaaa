"""`/healthz` for load balancers: answers 200 only when the database and the cache respond."""

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


@never_cache
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "failing"
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = "failing"
    healthy = all(state == "ok" for state in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **results}, status=200 if healthy else 503
    )
