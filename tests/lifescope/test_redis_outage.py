"""Redis unreachable: every page is still served, nothing readers or editors did is lost, and
the cache takes over again when Redis returns. (Views: tests/analytics/test_redis_outage.py;
rate limits: tests/comments/test_rate_limit_fallback.py.)"""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from articles import services
from articles.models import Article
from comments.models import Comment
from tests.comments.conftest import comment_data, comments_url
from tests.factories import ArticleDailyViewsFactory, ArticleFactory, EditorFactory, SectionFactory
from tests.signin import sign_in

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
PUBLIC_PAGES = [
    "/",
    "/articles/comet/",
    "/sections/science/",
    "/tags/space/",
    "/popular/",
    "/search/?q=comet",
    "/archive/",
    "/feeds/latest/",
    "/sitemap-news.xml",
]


@pytest.fixture(autouse=True)
def production_caching(settings):
    """The page cache on and sessions in the cache, as with REDIS_URL."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def story():
    article = ArticleFactory(
        title="Comet seen",
        slug="comet",
        section=SectionFactory(name="Science", slug="science"),
        tags=["space"],
        view_count=40,
    )
    ArticleDailyViewsFactory(article=article, views=40)
    return article


def visit(url, address="203.0.113.5"):
    """A new anonymous reader."""
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address).get(url)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_is_rendered_fresh_while_redis_is_down(url, story, redis_unreachable):
    first, second = visit(url), visit(url)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.get("X-Page-Cache") != "hit"
    assert b"Comet seen" in second.content


def test_the_sidebars_still_show_the_popular_box_and_sections(story, redis_unreachable):
    page = visit("/").content.decode()

    assert "Popular posts from this blog" in page
    assert page.count('href="/articles/comet/"') >= 2  # the listing and the popular box
    assert 'href="/sections/science/"' in page


def test_an_edit_during_the_outage_shows_at_once(
    story, redis_unreachable, django_capture_on_commit_callbacks
):
    visit(story.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.changing([story.pk])
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")

    for url in ("/articles/comet/", "/sections/science/", "/tags/space/", "/"):
        assert b"Comet seen again" in visit(url).content, url


def test_pages_are_cached_again_when_redis_returns(story, redis_unreachable):
    visit("/articles/comet/")
    redis_unreachable.end()

    assert visit("/articles/comet/")["X-Page-Cache"] == "miss"
    assert visit("/articles/comet/")["X-Page-Cache"] == "hit"


def test_views_on_fresh_pages_count_once_per_reader_in_the_database(story, redis_unreachable):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.1"):
        assert visit("/articles/comet/", address).status_code == 200

    redis_unreachable.end()
    call_command("flush_views", verbosity=0)
    story.refresh_from_db()
    assert story.view_count == 40 + 3


def test_a_comment_posted_during_the_outage_is_stored_and_thanked(story, redis_unreachable):
    reader = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.9")

    response = reader.post(comments_url(story), comment_data(story), follow=True)

    assert response.status_code == 200
    assert "Thank you, your comment was received." in response.content.decode()
    assert Comment.objects.get().body == "A thoughtful comment about the story."


def test_an_editor_signs_in_during_the_outage_and_stays_signed_in_after_it(
    story, redis_unreachable
):
    EditorFactory(username="night-editor", password="a-long-night-password")
    editor = Client()

    signed_in = sign_in(editor, "night-editor@example.com", "a-long-night-password", follow=True)
    during = editor.get("/admin/articles/article/")
    redis_unreachable.end()
    after = editor.get("/admin/articles/article/")

    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0] == "/admin/"
    assert (during.status_code, after.status_code) == (200, 200)
    assert b"Comet seen" in after.content


def test_a_session_from_before_the_outage_lasts_through_it(story, redis_unreachable):
    redis_unreachable.end()
    editor = Client()
    editor.force_login(EditorFactory())
    before = editor.get("/admin/articles/article/")

    redis_unreachable.begin()
    during = editor.get("/admin/articles/article/")
    redis_unreachable.end()
    after = editor.get("/admin/articles/article/")

    assert [r.status_code for r in (before, during, after)] == [200, 200, 200]
    assert b"Comet seen" in during.content


def test_a_sign_out_during_the_outage_holds_after_it(story, redis_unreachable):
    redis_unreachable.end()
    editor = Client()
    editor.force_login(EditorFactory())
    assert editor.get("/admin/articles/article/").status_code == 200

    redis_unreachable.begin()
    editor.post("/admin/logout/")
    redis_unreachable.end()

    assert editor.get("/admin/articles/article/").status_code == 302


def test_an_edit_made_while_redis_was_unreachable_shows_when_it_returns_with_old_pages(
    story, redis_unreachable, django_capture_on_commit_callbacks
):
    # Redis unreachable but not restarted (a network split): it comes back holding old pages.
    redis_unreachable.end()
    visit("/articles/comet/")
    assert visit("/articles/comet/")["X-Page-Cache"] == "hit"
    redis_unreachable.begin()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.changing([story.pk])
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")
    visit("/articles/comet/")
    redis_unreachable.end()

    assert b"Comet seen again" in visit("/articles/comet/").content


def test_healthz_reports_the_cache_but_keeps_the_host_in_service(redis_unreachable, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "failing"}
    redis_unreachable.end()
    assert client.get("/healthz").json()["status"] == "ok"
