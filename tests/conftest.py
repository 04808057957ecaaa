import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.recent import recent_reads
from tests.factories import EditorFactory, ModeratorFactory


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Buffered views and the readers seen stay with their test; views reach the database
    # only when a test flushes.
    settings.ANALYTICS = {
        **settings.ANALYTICS,
        "BUFFER_DIR": tmp_path / "views",
        "FLUSH_SECONDS": 0,
    }
    cache.clear()
    recent_reads.clear()
    yield
    cache.clear()
    recent_reads.clear()


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
