import pytest

from analytics import flush, viewlog
from analytics.models import ArticleDailyViews
from articles.models import Article

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


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
    flush.flush(wait=True)
    return counted(article)


def counted(article):
    """(views, bot hits) in the database as it is, with no flush."""
    rows = ArticleDailyViews.objects.filter(article=article)
    views = sum(rows.values_list("views", flat=True))
    bots = sum(rows.values_list("bot_hits", flat=True))
    total = Article.objects.get(pk=article.pk).view_count
    assert total == views, "the denormalised total must match the daily rows"
    return views, bots


def append(log, article, *times, visitor=None, kind=viewlog.VIEW):
    """Appends a line to `log` (a viewlog.ViewLog) for each read time, as a process counting
    the reads of `visitor` (or bot hits) would."""
    for read_at in times:
        log.append(viewlog.line(read_at, article.pk, kind, visitor))


def log_files(directory):
    """The view log files in a folder, by name."""
    return sorted(path.name for path in directory.glob(f"*{viewlog.SUFFIX}"))
