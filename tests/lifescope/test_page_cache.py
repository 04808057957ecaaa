"""The page cache: what is served from it, who bypasses it, and that a change retires exactly
the pages that show it (lifescope/page_cache.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404
from django.test import Client, RequestFactory
from django.utils import timezone

from analytics import flush, rankings
from articles import services
from articles.models import Article, Section
from articles.views import ArticleDetailView
from comments import services as comment_services
from comments.models import Comment
from lifescope import page_cache
from tests.factories import (
    ApprovedCommentFactory,
    ArticleDailyViewsFactory,
    ArticleFactory,
    CommentFactory,
    EditorFactory,
    SectionFactory,
)
from tests.reading import page as page_of
from tests.reading import texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def story():
    section = SectionFactory(name="Science", slug="science")
    return ArticleFactory(
        title="Comet seen", section=section, tags=["space"], published_at=timezone.now()
    )


def month_of(article):
    local = timezone.localtime(article.published_at)
    return f"/archive/{local:%Y}/{local:%m}/"


def pages(article):
    """The article and every page that lists it."""
    return [
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        "/tags/space/",
        "/",
        article.author.author_profile.get_absolute_url(),
        "/archive/",
        month_of(article),
    ]


def visit(url, **headers):
    """A new visitor: no cookies of ours."""
    return Client(HTTP_USER_AGENT=BROWSER, **headers).get(url)


def warm(urls):
    for url in urls:
        visit(url)
        assert visit(url)["X-Page-Cache"] == "hit", url


def cached(url):
    return visit(url)["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/articles/comet/",
        "/sections/science/",
        "/tags/space/",
        "/popular/",
        "/archive/",
        "/authors/comet-writer/",
    ],
)
def test_the_shared_pages_come_from_the_cache_on_the_second_visit(url):
    ArticleFactory(
        slug="comet",
        section=SectionFactory(slug="science"),
        tags=["space"],
        author=EditorFactory(first_name="Comet", last_name="Writer"),
    )

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
    assert "X-Page-Cache" not in visit(url + "?format=amp")
    assert "X-Page-Cache" not in visit("/healthz")


def test_a_link_shared_with_tracking_parameters_is_the_page_everyone_gets(story):
    """A story going viral from a newsletter or Facebook: every click a new fbclid."""
    url = story.get_absolute_url()
    warm([url])
    clean = visit(url)

    for shared in (
        url + "?utm_source=newsletter&utm_medium=email",
        url + "?fbclid=IwAR3x-one-click",
        url + "?fbclid=IwAR3x-another-click&gclid=abc",
    ):
        response = visit(shared)
        assert response["X-Page-Cache"] == "hit", shared
        assert response.content == clean.content
        assert "public" in response["Cache-Control"]
    # A listing's own parameter is kept: there is no page 99.
    assert visit(f"/sections/{story.section.slug}/?utm_campaign=x").status_code == 200
    assert visit(f"/sections/{story.section.slug}/?page=99&utm_campaign=x").status_code == 404


def test_a_preview_is_never_stored_even_for_a_request_without_cookies():
    """An editor's preview that reached the cache without a session cookie (a token, HTTP
    auth) is marked never-cache, so the cache refuses it: readers still get 404."""
    draft = ArticleFactory(slug="draft", status=Article.Status.DRAFT, published_at=None)
    factory = RequestFactory(HTTP_USER_AGENT=BROWSER)
    view = ArticleDetailView.as_view()
    middleware = page_cache.PageCacheMiddleware(
        lambda request: view(request, slug="draft").render()
    )

    def get(user):
        request = factory.get(draft.get_absolute_url())
        request.user = user
        return middleware(request)

    preview = get(EditorFactory())

    assert preview.status_code == 200
    assert b"Preview" in preview.content
    assert "no-store" in preview["Cache-Control"]
    with pytest.raises(Http404):  # the view ran for the reader: nothing came from the cache
        get(AnonymousUser())


def test_a_page_that_sets_a_cookie_is_not_stored(story, client):
    response = client.post(
        f"/articles/{story.slug}/comments/", {"name": "x"}, HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 400
    assert visit(story.get_absolute_url())["X-Page-Cache"] == "miss"


def test_publishing_retires_the_pages_that_list_it_and_no_others(
    story, django_capture_on_commit_callbacks
):
    elsewhere = ArticleFactory(title="Other story", section=SectionFactory(), tags=["politics"])
    others = [elsewhere.get_absolute_url(), elsewhere.section.get_absolute_url(), "/tags/politics/"]
    warm(pages(story) + others)
    draft = ArticleFactory(
        title="Second comet",
        section=story.section,
        tags=["space"],
        author=story.author,
        status="draft",
        published_at=story.published_at,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.publish(Article.objects.filter(pk=draft.pk))

    for url in pages(story)[1:]:
        assert b"Second comet" in visit(url).content, url
    assert all(cached(url) for url in [story.get_absolute_url(), *others])


def test_an_edit_retires_its_page_and_every_listing_that_shows_it(
    story, django_capture_on_commit_callbacks
):
    warm(pages(story))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.changing([story.pk])
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")

    for url in pages(story):
        assert b"Comet seen again" in visit(url).content, url


def test_moving_an_article_retires_the_section_it_left(story, django_capture_on_commit_callbacks):
    old_section = story.section.get_absolute_url()
    warm(pages(story))
    new_section = SectionFactory(name="Space")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.changing([story.pk])
        Article.objects.filter(pk=story.pk).update(section=new_section)

    assert b"Comet seen" not in visit(old_section).content
    assert b"Comet seen" in visit(new_section.get_absolute_url()).content


def test_an_edit_in_the_admin_retires_the_pages_that_showed_the_old_tags(
    story, django_capture_on_commit_callbacks
):
    warm(pages(story))
    editor = Client()
    editor.force_login(EditorFactory(is_superuser=True))
    change_form = editor.get(f"/admin/articles/article/{story.pk}/change/")
    version = re.search(rb'name="loaded_version" value="(\d+)"', change_form.content).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            f"/admin/articles/article/{story.pk}/change/",
            {
                "title": "Comet seen",
                "slug": story.slug,
                "standfirst": "",
                "body": "<p>Words.</p>",
                "section": story.section.pk,
                "tags": "astronomy",
                "author": story.author.pk,
                "status": "published",
                "published_at_0": timezone.localtime(story.published_at).strftime("%Y-%m-%d"),
                "published_at_1": timezone.localtime(story.published_at).strftime("%H:%M:%S"),
                "comments_open": "on",
                "loaded_version": version.decode(),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert visit("/tags/space/").status_code == 404  # no story carries the tag any more
    assert b"Comet seen" in visit("/tags/astronomy/").content


@pytest.mark.parametrize("change", ["unpublish", "delete"])
def test_unpublishing_or_deleting_removes_it_everywhere_at_once(
    story, change, django_capture_on_commit_callbacks
):
    ArticleFactory(title="Other news", section=story.section, tags=["space"], author=story.author)
    warm(pages(story))

    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublish":
            services.unpublish(Article.objects.filter(pk=story.pk))
        else:
            with transaction.atomic():
                services.changing([story.pk])
                Article.objects.filter(pk=story.pk).delete()

    assert visit(story.get_absolute_url()).status_code == 404
    for url in pages(story)[1:-1]:
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
def test_moderating_a_comment_retires_the_article_page_alone(
    story, action, django_capture_on_commit_callbacks
):
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
    # The listings' comment counts catch up within the pages' lifetime.
    assert all(cached(url) for url in pages(story)[1:])


def test_new_rankings_retire_no_page_and_the_box_follows_its_own_clock(story, settings):
    settings.ANALYTICS = {**settings.ANALYTICS, "RANKING_CACHE_SECONDS": 10}
    leader = ArticleFactory(title="Much read story")
    warm(pages(story))
    ArticleDailyViewsFactory(article=leader, views=500)

    assert all(cached(url) for url in pages(story))
    box = texts(visit("/"), class_="popular-posts__item")
    assert "Much read story" not in box

    seconds = settings.ANALYTICS["RANKING_CACHE_SECONDS"]
    with time_machine.travel(timezone.now() + timedelta(seconds=seconds + 1)):
        # Redis expires keys on its own clock, which time-machine cannot move: stand in for the
        # box's entry turning over (the page's own lifetime is checked by the page cache).
        rankings.drop_box(sender=None)
        front = visit("/")
    assert front["X-Page-Cache"] == "hit"
    assert texts(front, class_="popular-posts__item")[0] == "Much read story"


def test_a_scheduled_article_appears_at_its_time_without_any_event(story):
    at = timezone.now() + timedelta(seconds=20)  # well within the pages' lifetime
    ArticleFactory(
        title="Embargoed comet",
        section=story.section,
        tags=["space"],
        author=story.author,
        published_at=at,
    )
    listings = pages(story)[1:6]
    warm(listings)
    for url in listings:
        assert b"Embargoed comet" not in visit(url).content

    with time_machine.travel(at + timedelta(seconds=1)):
        for url in listings:
            assert b"Embargoed comet" in visit(url).content, url


def test_hosts_whose_clocks_disagree_still_retire_a_page_rendered_just_before_a_change(
    story, settings, django_capture_on_commit_callbacks
):
    """A page rendered on a host whose clock runs ahead of the one that records a change is
    still retired, when the clocks disagree by less than CLOCK_SKEW_SECONDS."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "CLOCK_SKEW_SECONDS": 1.0}
    url = story.get_absolute_url()
    now = timezone.now()
    with time_machine.travel(now + timedelta(seconds=0.5), tick=False):
        visit(url)  # rendered on the host that is half a second ahead
    with (
        time_machine.travel(now, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        services.changing([story.pk])
        Article.objects.filter(pk=story.pk).update(title="Comet seen again")
    with time_machine.travel(now + timedelta(seconds=2), tick=False):
        assert b"Comet seen again" in visit(url).content
        assert visit(url)["X-Page-Cache"] == "hit"


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
    flush.flush(wait=True)
    assert Article.objects.get(pk=story.pk).view_count == 3


# --- Signed-in readers: the same cached page, their own parts filled in ------------------------


def signed_in(user, **headers):
    reader = Client(HTTP_USER_AGENT=BROWSER, enforce_csrf_checks=True, **headers)
    reader.force_login(user)
    return reader


def test_a_signed_in_reader_gets_the_cached_page_with_their_own_parts(story):
    from tests.factories import UserFactory

    url = story.get_absolute_url()
    warm([url])
    grace = UserFactory(first_name="Grace", last_name="Hopper-Reader")

    response = signed_in(grace).get(url)

    assert response["X-Page-Cache"] == "hit"
    form = page_of(response).find("form", id="comment-form")
    assert "Commenting as Grace Hopper-Reader" in form.text
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert form.find("input", name="name") is None and form.find("input", name="email") is None
    assert "private" in response["Cache-Control"]


def test_two_readers_at_once_never_see_each_others_name_token_or_waiting_comment(story):
    from tests.factories import UserFactory

    url = story.get_absolute_url()
    warm([url])
    readers = {
        name: signed_in(UserFactory(first_name=name, last_name="Reader", email=f"{name}@x.example"))
        for name in ("Ada", "Grace")
    }
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        for name, reader in readers.items():
            form = reader.get(url).content.decode()
            token = re.search(r'name="token" value="([^"]+)"', form).group(1)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            posted = reader.post(
                f"/articles/{story.slug}/comments/",
                {"body": f"{name}'s own waiting words", "token": token,
                 "csrfmiddlewaretoken": csrf},
            )  # fmt: skip
            assert posted.status_code == 302, posted.content[:500]

    pages = {name: reader.get(url) for name, reader in readers.items()}
    tokens = {
        name: re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
        for name, page in pages.items()
    }
    for name, page in pages.items():
        other = "Grace" if name == "Ada" else "Ada"
        html = page.content.decode()
        assert f"Commenting as <strong>{name} Reader</strong>" in html
        assert f"{other} Reader" not in html
        assert f"{name}&#x27;s own waiting words" in html
        assert f"{other}&#x27;s own waiting words" not in html
        assert tokens[other].decode() not in html
    anonymous = visit(url).content.decode()
    assert "Ada" not in anonymous and "Grace" not in anonymous
    assert "csrfmiddlewaretoken" not in anonymous


def test_a_page_first_rendered_for_a_reader_is_stored_without_anything_of_theirs(story):
    from tests.factories import UserFactory

    url = story.get_absolute_url()
    grace = UserFactory(first_name="Gracie", last_name="Distinctive", email="g@x.example")

    first = signed_in(grace).get(url)
    anonymous = visit(url)

    assert first["X-Page-Cache"] == "miss" and "Gracie Distinctive" in first.content.decode()
    assert anonymous["X-Page-Cache"] == "hit"
    assert "Gracie" not in anonymous.content.decode()
    assert "csrfmiddlewaretoken" not in anonymous.content.decode()


@pytest.mark.parametrize("url", ["/", "/sections/science/", "/tags/space/"])
def test_signed_in_readers_keep_the_cache_on_listings_too(story, url):
    from tests.factories import UserFactory

    warm([url])
    reader = signed_in(UserFactory())
    assert "sessionid" in reader.cookies
    assert reader.get(url)["X-Page-Cache"] == "hit"


def test_a_reader_deleted_while_signed_in_is_served_as_no_one(story):
    from tests.factories import UserFactory

    url = story.get_absolute_url()
    warm([url])
    gone = UserFactory(first_name="Gone", last_name="Reader")
    reader = signed_in(gone)
    gone.delete()

    response = reader.get(url)

    assert response["X-Page-Cache"] == "hit"
    assert "Gone Reader" not in response.content.decode()
    assert page_of(response).find("input", name="email") is not None


def test_a_signed_in_readers_hit_costs_a_few_queries_whatever_the_page_holds(
    story, django_assert_max_num_queries
):
    from tests.factories import ApprovedCommentFactory, UserFactory

    for _ in range(20):
        ApprovedCommentFactory(article=story)
    url = story.get_absolute_url()
    warm([url])
    reader = signed_in(UserFactory())

    with django_assert_max_num_queries(3):  # their session, their account, their comments
        assert reader.get(url)["X-Page-Cache"] == "hit"


def test_a_page_retired_while_it_renders_is_not_kept_and_http_caches_keep_it_a_moment(
    story, monkeypatch
):
    """A story published as the front page renders: the page rendered before it must not be
    kept after the purge that went out meanwhile, here or in Varnish."""
    from articles.views import FrontPageView

    render = FrontPageView.get_context_data

    def published_meanwhile(self, **kwargs):
        context = render(self, **kwargs)
        page_cache._stamp(frozenset({"front"}))
        return context

    monkeypatch.setattr(FrontPageView, "get_context_data", published_meanwhile)
    raced = visit("/")
    monkeypatch.setattr(FrontPageView, "get_context_data", render)

    # Kept by Varnish a moment (so a viral page's readers still share one fetch), not a minute.
    s_maxage = re.search(r"s-maxage=(\d+)", raced["Cache-Control"]).group(1)
    assert int(s_maxage) <= 2
    assert visit("/")["X-Page-Cache"] == "miss"


def test_a_tracking_name_sent_encoded_is_not_taken_for_one(story):
    """Varnish matches the names as sent: so does the site, or each `utm%5Fsource=…` would be
    a shared page of its own in Varnish."""
    url = story.get_absolute_url()
    warm([url])

    encoded = visit(url + "?utm%5Fsource=random-1")

    assert "X-Page-Cache" not in encoded and "public" not in encoded["Cache-Control"]
    # Only tracking names, one without a value, and an empty field: the page everyone gets.
    assert visit(url + "?utm_source=&&fbclid")["X-Page-Cache"] == "hit"
