"""flush_views, prune_views and the demo's view data."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from analytics import pruning, rankings
from analytics.models import ArticleDailyViews, ArticleHourlyViews
from articles.models import Article
from tests.analytics.conftest import GOOGLEBOT, counted
from tests.factories import ArticleDailyViewsFactory, ArticleFactory, ArticleHourlyViewsFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 9)


def totals(article):
    return ArticleDailyViews.objects.filter(article=article).aggregate(
        views=Sum("views"), bots=Sum("bot_hits")
    )


def test_prune_rolls_old_days_into_months_and_keeps_every_total():
    article = ArticleFactory()
    for age in range(0, 120):
        ArticleDailyViewsFactory(
            article=article, day=TODAY - datetime.timedelta(days=age), views=age + 1, bot_hits=1
        )
    before = totals(article)
    removed = pruning.prune_views(40, today=TODAY)
    assert totals(article) == before
    cutoff = TODAY - datetime.timedelta(days=40)
    recent = ArticleDailyViews.objects.filter(article=article, day__gte=cutoff)
    assert recent.count() == 40, "the last 40 days keep their detail"
    old_days = sorted(
        ArticleDailyViews.objects.filter(article=article, day__lt=cutoff).values_list(
            "day", flat=True
        )
    )
    assert old_days == [datetime.date(2025, 11, 1), datetime.date(2025, 12, 1),
                        datetime.date(2026, 1, 1)]  # fmt: skip
    assert removed == 80 - 3
    assert pruning.prune_views(40, today=TODAY) == 0, "running it again changes nothing"
    assert totals(article) == before


def test_prune_keeps_two_days_of_hourly_rows():
    recent = ArticleHourlyViewsFactory(hour=timezone.now() - datetime.timedelta(hours=47))
    ArticleHourlyViewsFactory(hour=timezone.now() - datetime.timedelta(hours=49))
    pruning.prune_views(40)
    assert list(ArticleHourlyViews.objects.all()) == [recent]


def test_prune_refuses_to_eat_into_the_ranking_windows(capsys):
    with pytest.raises(CommandError, match="at least 31"):
        call_command("prune_views", "--keep-days", "7")
    call_command("prune_views", "--keep-days", "31")
    assert "row(s) fewer" in capsys.readouterr().out


def test_flush_views_moves_this_hosts_logs_and_says_what_it_counted(read, capsys):
    article = ArticleFactory()
    read(article, ip="203.0.113.1")
    read(article, ip="203.0.113.2")
    read(article, ip="203.0.113.2")
    read(article, user_agent=GOOGLEBOT)
    call_command("flush_views")
    assert capsys.readouterr().out == "Flushed 2 view(s) and 1 bot hit(s).\n"
    assert counted(article) == (2, 1)
    call_command("flush_views")
    assert capsys.readouterr().out == "Flushed 0 view(s) and 0 bot hit(s).\n"


def test_the_demo_rankings_differ_by_window_and_match_the_totals():
    call_command("load_demo", stdout=None)
    for article in Article.objects.published():
        assert (totals(article)["views"] or 0) == article.view_count
    leaders = {window: rankings.compute(window, 1)[0][0] for window in rankings.WINDOWS}
    titles = {window: Article.objects.get(pk=pk).slug for window, pk in leaders.items()}
    assert len({titles["24h"], titles["7d"], titles["30d"], titles["all"]}) == 4, titles
    assert titles["all"] == "our-first-global-highlight-why-lifescope-news-exists"
    hidden = Article.objects.exclude(pk__in=Article.objects.published())
    assert not ArticleDailyViews.objects.filter(article__in=hidden).exists()
    assert ArticleDailyViews.objects.filter(bot_hits__gt=0).exists()
    assert ArticleDailyViews.objects.filter(day=timezone.localdate()).exists()
