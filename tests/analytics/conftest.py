import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from analytics import buffer, services
from analytics.models import ArticleDailyViews
from articles.models import Article

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# The suite's own Redis when it runs on Redis; otherwise a local one if there is one.
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture
def read(client):
    """GETs `article` as a browser from `ip` (or with any other request headers)."""

    def fetch(article, ip="203.0.113.7", user_agent=BROWSER, method="get", **headers):
        return getattr(client, method)(
            article.get_absolute_url(), REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent, **headers
        )

    return fetch


def recorded(article):
    """(views, bot hits) in the database after a flush, and the article's total."""
    services.flush_views()
    rows = ArticleDailyViews.objects.filter(article=article)
    views = sum(rows.values_list("views", flat=True))
    bots = sum(rows.values_list("bot_hits", flat=True))
    total = Article.objects.get(pk=article.pk).view_count
    assert total == views, "the denormalised total must match the daily rows"
    return views, bots


def redis_client():
    if settings.ANALYTICS["BUFFER_IN_REDIS"]:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    client = redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("needs Redis (set REDIS_URL, or run one on 127.0.0.1:6379)")
    return client


@pytest.fixture
def redis_buffer(monkeypatch, request):
    """A Redis view buffer under its own prefix, used by counting and flushing alike."""
    client = redis_client()
    view_buffer = buffer.RedisViewBuffer(client, f"lifescope-test:buffer:{request.node.name}")
    # The buffer's script also keeps the visitors seen in this Redis, which, unless the suite
    # runs on Redis, cache.clear() does not reach.
    seen = cache.make_key("analytics:seen:*")

    def forget():
        client.delete(view_buffer.live_key, view_buffer.flushing_key, *client.keys(seen))

    forget()
    monkeypatch.setattr(buffer, "get_buffer", lambda: view_buffer)
    monkeypatch.setattr(services, "get_buffer", lambda: view_buffer)
    yield view_buffer
    forget()
