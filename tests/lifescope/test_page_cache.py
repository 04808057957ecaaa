"""The page cache: what is served from it, who bypasses it, and that every change readers can see
reaches every page that shows it at once."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from analytics import services as analytics_services
from analytics.services import Flushed
from articles import services
from articles.models import Article, Section
from comments import services as comment_services
from comments.models import Comment
from lifescope import page_cache
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    EditorFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}


@pytest.fixture
def story():
    section = SectionFactory(name="Science", slug="science")
    article = ArticleFactory(title="Comet seen", section=section, tags=["space"])
    return article


def pages(article):
    """The article and every listing that shows it."""
    return [
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        "/tags/space/",
        "/",
    ]


def visit(url, **headers):
    """A new visitor: no cookies of ours."""
    return Client(HTTP_USER_AGENT=BROWSER, **headers).get(url)


def warm(urls):
    for url in urls:
        visit(url)
        assert visit(url)["X-Page-Cache"] == "hit", url


@pytest.mark.parametrize(
    "url", ["/", "/articles/comet/", "/sections/science/", "/tags/space/", "/popular/"]
)
def test_the_shared_pages_come_from_the_cache_on_the_second_visit(url):
    ArticleFactory(slug="comet", section=SectionFactory(slug="science"), tags=["space"])

    first, second = visit(url), visit(url)

    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_hit_runs_no_query(story, django_assert_num_queries):
    visit(story.get_absolute_url())
    with django_assert_num_queries(0):
        assert visit(story.get_absolute_url())["X-Page-Cache"] == "hit"


def test_signed_in_readers_pending_messages_and_odd_parameters_bypass_the_cache(story):
    url = story.get_absolute_url()
    warm([url])
    staff = Client()
    staff.force_login(EditorFactory())
    assert "X-Page-Cache" not in staff.get(url)
    flash = Client()
    flash.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in flash.get(url)
    assert "X-Page-Cache" not in visit(url + "?utm_source=feed")
    assert "X-Page-Cache" not in visit("/healthz")


def test_a_preview_is_never_stored(story):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    staff = Client()
    staff.force_login(EditorFactory())
    staff.get(draft.get_absolute_url())
    assert visit(draft.get_absolute_url()).status_code == 404


def test_a_page_that_sets_a_cookie_is_not_stored(story, client):
    response = client.post(
        f"/articles/{story.slug}/comments/", {"name": "x"}, HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 400
    assert visit(story.get_absolute_url())["X-Page-Cache"] == "miss"


def test_publishing_shows_on_every_listing_at_once(story, django_capture_on_commit_callbacks):
    warm(pages(story))
    draft = ArticleFactory(
        title="Second comet", section=story.section, tags=["space"], status="draft"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.publish(Article.objects.filter(pk=draft.pk))

    for url in pages(story)[1:]:
        assert b"Second comet" in visit(url).content, url
    assert visit(story.get_absolute_url())["X-Page-Cache"] == "miss"


def test_an_edit_shows_on_the_article_its_section_tag_and_front_page(
    story, django_capture_on_commit_callbacks
):
    warm(pages(story))

    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")
        services.purge_public_caches()

    for url in pages(story):
        assert b"Comet seen again" in visit(url).content, url


@pytest.mark.parametrize("change", ["unpublish", "delete"])
def test_unpublishing_or_deleting_removes_it_everywhere_at_once(
    story, change, django_capture_on_commit_callbacks
):
    ArticleFactory(title="Other news", section=story.section, tags=["space"])
    warm(pages(story))

    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublish":
            services.unpublish(Article.objects.filter(pk=story.pk))
        else:
            Article.objects.filter(pk=story.pk).delete()
            services.purge_public_caches()

    assert visit(story.get_absolute_url()).status_code == 404
    for url in pages(story)[1:]:
        assert b"Comet seen" not in visit(url).content, url


def test_a_section_edit_in_the_admin_shows_on_every_page(
    story, admin_client, django_capture_on_commit_callbacks
):
    warm(pages(story))
    section = story.section

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/admin/articles/section/{section.pk}/change/",
            {"name": "Space Science", "slug": "science", "order": 0, "description": ""},
        )

    assert Section.objects.get(pk=section.pk).name == "Space Science"
    for url in pages(story):
        assert b"Space Science" in visit(url).content, url


@pytest.mark.parametrize("action", ["approve", "reject", "mark_spam", "delete"])
def test_moderating_a_comment_shows_at_once(story, action, django_capture_on_commit_callbacks):
    comment = (
        CommentFactory(article=story, body="Pending words")
        if action == "approve"
        else ApprovedCommentFactory(article=story, body="Pending words")
    )
    warm(pages(story))

    with django_capture_on_commit_callbacks(execute=True):
        getattr(comment_services, action)(Comment.objects.filter(pk=comment.pk))

    shown = b"Pending words" in visit(story.get_absolute_url()).content
    assert shown is (action == "approve")
    expected = b"1 comment" if action == "approve" else b"0 comments"
    for url in pages(story)[1:]:
        assert expected in visit(url).content, url


def test_a_flush_that_moves_the_rankings_retires_the_pages(
    story, monkeypatch, django_capture_on_commit_callbacks
):
    warm(pages(story) + ["/popular/"])
    monkeypatch.setattr(analytics_services, "flush_views", lambda: Flushed(1, 3, 0))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("flush_views", stdout=io.StringIO())

    for url in pages(story) + ["/popular/"]:
        assert visit(url)["X-Page-Cache"] == "miss", url


def test_a_scheduled_article_appears_at_its_time_without_any_event(story):
    at = timezone.now() + timedelta(seconds=20)  # well within the pages' lifetime
    ArticleFactory(title="Embargoed comet", section=story.section, tags=["space"], published_at=at)
    page_cache.bump()
    warm(pages(story)[1:])
    for url in pages(story)[1:]:
        assert b"Embargoed comet" not in visit(url).content

    with time_machine.travel(at + timedelta(seconds=1)):
        for url in pages(story)[1:]:
            assert b"Embargoed comet" in visit(url).content, url


def test_a_new_visitor_posts_a_comment_from_a_cached_page_with_csrf_checks_on(story):
    warm([story.get_absolute_url()])
    reader = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    page = reader.get(story.get_absolute_url())
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    assert "csrfmiddlewaretoken" not in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        response = reader.post(
            f"/articles/{story.slug}/comments/",
            {"name": "Ada", "email": "ada@example.com", "body": "Lovely.", "token": token},
            HTTP_ORIGIN="http://testserver",
        )

    assert response.status_code == 302
    assert Comment.objects.get().body == "Lovely."


def test_views_are_counted_on_cache_hits(story):
    url = story.get_absolute_url()
    responses = [visit(url, REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 4)]

    assert [r["X-Page-Cache"] for r in responses] == ["miss", "hit", "hit"]
    assert all("X-Lifescope-Article" not in r for r in responses)
    analytics_services.flush_views()  # with Redis, views wait in its buffer until flushed
    assert Article.objects.get(pk=story.pk).view_count == 3
