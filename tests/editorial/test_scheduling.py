"""A scheduled article appears everywhere at its time, with no process to run."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled():
    section = SectionFactory(slug="world")
    ArticleDailyViewsFactory(article=ArticleFactory(section=section, tags=["Budget"]), views=1)
    article = ScheduledArticleFactory(
        title="Budget day special",
        section=section,
        tags=["Budget"],
        published_at=timezone.now() + timedelta(hours=3),
    )
    # Read the moment it is out (views of its first day; none can come before).
    day = timezone.localdate(article.published_at)
    ArticleDailyViewsFactory(article=article, day=day, views=900)
    return article


def visible_everywhere(client, article):
    pages = ["/", "/sections/world/", "/tags/budget/", "/feeds/latest/"]
    listed = {url: article.title in client.get(url).content.decode() for url in pages}
    return listed, client.get(article.get_absolute_url()).status_code


def test_a_scheduled_article_is_hidden_until_its_time_then_listed_everywhere(client, scheduled):
    before, before_status = visible_everywhere(client, scheduled)

    with time_machine.travel(scheduled.published_at + timedelta(minutes=2)):
        after, after_status = visible_everywhere(client, scheduled)
        assert list(Article.objects.published()).count(scheduled) == 1

    assert before == dict.fromkeys(before, False)
    assert before_status == 404
    assert after == dict.fromkeys(after, True)
    assert after_status == 200


def test_the_popular_box_picks_it_up_once_its_cache_turns_over(client, scheduled):
    assert "Budget day special" not in client.get("/").content.decode()

    with time_machine.travel(scheduled.published_at + timedelta(minutes=2)):
        # The box is cached for SIDEBAR_CACHE_SECONDS; Redis expires keys on its own clock,
        # which time-machine cannot move, so stand in for the expiry.
        cache.clear()
        box = client.get("/sections/world/").content.decode().split("popular-posts", 1)[1]

    assert "Budget day special" in box


def test_the_admin_list_says_when_it_will_go_out(client, editor, scheduled):
    client.force_login(editor)
    when = timezone.localtime(scheduled.published_at).strftime("%d %b %Y %H:%M")

    content = client.get("/admin/articles/article/").content.decode()

    assert f"Scheduled for {when}" in content
