import socket
import sqlite3

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from analytics import middleware
from lifescope import page_cache
from tests.factories import EditorFactory, ModeratorFactory

# Property tests (Hypothesis) run the same examples on every machine, so CI is reproducible and a
# failure seen once is seen again: derandomized, no example database. Each test sets its own
# max_examples. `pytest --hypothesis-profile=explore` draws new examples and keeps failing ones.
# Fixtures (the database, a signed-in client) deliberately span a test's examples, which
# roll their own changes back; requests take longer than Hypothesis' default deadline on a busy
# machine, and that is not what these tests measure.
_SHARED = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("ci", derandomize=True, database=None, **_SHARED)
hypothesis_settings.register_profile("explore", **_SHARED)
hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Logged views stay with their test; they reach the database only when a test flushes.
    settings.ANALYTICS = {**settings.ANALYTICS, "LOG_DIR": tmp_path / "views", "FLUSH_SECONDS": 0}
    cache.clear()
    middleware.forget_published()
    yield
    cache.clear()


@pytest.fixture
def page_cache_on(settings):
    """The page cache on, as in production (tests run with it off unless they ask)."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}


@pytest.fixture
def share_database(tmp_path):
    """Call it once the test's rows are written: from then on, connections opened by other
    threads (and processes given the path it returns) see the test's database.

    On PostgreSQL they do already; it returns None. The suite's in-memory SQLite database
    refuses a second writer at once ("database table is locked") instead of queueing it on the
    busy timeout, so on SQLite new connections go to a file copy with production's options
    (WAL, IMMEDIATE transactions, busy timeout), and it returns the copy's path. The copy is
    put in WAL here, as `migrate` leaves production's file: connections that switch a file to
    WAL at the same moment get "database is locked" without waiting.
    """
    settings_dict = connections.settings["default"]
    in_memory = settings_dict["NAME"]

    def share():
        if connection.vendor != "sqlite":
            return None
        copy = tmp_path / "shared.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        settings_dict["NAME"] = str(copy)
        return copy

    yield share
    settings_dict["NAME"] = in_memory


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor-user")


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="moderator-user")


@pytest.fixture
def count_queries():
    """Returns a function that fetches a URL with `client` and gives (response, query count)."""

    def fetch(client, url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return response, len(queries)

    return fetch


class RedisOutage:
    """Points the cache at a Redis that refuses every connection, reached through django-redis
    with IGNORE_EXCEPTIONS as in production: reads miss, writes vanish, `add` and `incr` answer
    None, and a raw client (the view buffer's) raises. `end()` brings the suite's own cache
    back, as when Redis returns; `begin()` takes it away again.
    """

    def __init__(self, settings):
        self.settings = settings
        self.own_caches = settings.CACHES
        with socket.socket() as probe:  # a port nothing listens on once the probe is closed
            probe.bind(("127.0.0.1", 0))
            self.closed_port = probe.getsockname()[1]

    def begin(self):
        self.settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{self.closed_port}/0",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
            }
        }

    def end(self):
        self.settings.CACHES = self.own_caches


@pytest.fixture
def redis_unreachable(settings, db):
    """Redis is down from the start of the test: see RedisOutage."""
    outage = RedisOutage(settings)
    outage.begin()
    yield outage
    outage.end()
    # What this test could not retire while Redis was away is retired now, not in a later test.
    page_cache.stamp_missed()


def pytest_terminal_summary(terminalreporter):
    """How many hostile requests each route got (tests/hostile.py), per database."""
    from tests.hostile import EXAMPLES

    if EXAMPLES:
        terminalreporter.write_sep("-", "hostile requests sent, per database and route")
        for (vendor, route), count in sorted(EXAMPLES.items()):
            terminalreporter.write_line(f"{vendor:<10} {count:>5}  {route}")
        terminalreporter.write_line(f"{'total':<10} {sum(EXAMPLES.values()):>5}")
