"""Authors' public profiles: readers know writers by the name and address editors give them,
never by the login name they sign in with."""

import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles import services
from articles.models import Author
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    EditorFactory,
    ModeratorFactory,
    ScheduledArticleFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
    image_upload,
)
from tests.lifescope.test_query_budgets import BUDGETS
from tests.reading import card_titles, page

pytestmark = pytest.mark.django_db

LOGIN = "login-name-xyz"


@pytest.fixture
def writer():
    return EditorFactory(username=LOGIN, first_name="Lena", last_name="Moss")


def test_no_public_page_names_the_writers_login(client, writer):
    section = SectionFactory(name="World", slug="world")
    story = ArticleWithImageFactory(
        title="Harbour reopens", author=writer, section=section, tags=["Ports"], view_count=40
    )
    ArticleDailyViewsFactory(article=story, views=40)
    ArticleFactory(title="Desk note", author=writer, section=section, byline="The News Desk")
    profile = writer.author_profile
    profile.bio = "Covers ports and shipping."
    profile.photo = image_upload(f"{LOGIN}.jpg")
    profile.save()
    published = timezone.localtime(story.published_at)
    # Each page, and what shows that it lists the writer's story or the writer.
    pages = {
        "/": "Lena Moss",
        story.get_absolute_url(): "Lena Moss",
        "/sections/world/": "Lena Moss",
        "/tags/ports/": "Lena Moss",
        profile.get_absolute_url(): "Covers ports and shipping.",
        "/archive/": "Harbour reopens",
        f"/archive/{published.year}/": "Harbour reopens",
        f"/archive/{published.year}/{published.month}/": "Harbour reopens",
        "/search/?q=harbour": "Lena Moss",
        "/feeds/latest/": "Lena Moss",
        "/feeds/atom/": "Lena Moss",
        "/sections/world/feed/": "Lena Moss",
        "/tags/ports/feed/": "Lena Moss",
        "/sitemap.xml": "sitemap-authors.xml",
        "/sitemap-articles.xml": story.get_absolute_url(),
        "/sitemap-news.xml": "Harbour reopens",
        "/sitemap-sections.xml": "/sections/world/",
        "/sitemap-tags.xml": "/tags/ports/",
        "/sitemap-authors.xml": profile.get_absolute_url(),
        "/popular/": "Lena Moss",
        "/popular/?window=all": "Lena Moss",
    }

    for url, shown in pages.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert shown in body, url
        assert LOGIN not in body.lower(), url


def test_the_author_page_shows_name_photo_bio_and_published_stories(client, writer):
    ArticleFactory(author=writer, title="Harbour reopens")
    DraftArticleFactory(author=writer, title="Secret draft")
    ScheduledArticleFactory(author=writer, title="Tomorrow's scoop")
    ArticleFactory(title="Someone else's story")
    profile = writer.author_profile
    profile.bio = "Covers ports <b>and</b> shipping.\n\nBased in Rotterdam."
    profile.photo = image_upload("portrait.png", size=(400, 400), image_format="PNG")
    profile.save()

    response = client.get("/authors/lena-moss/")

    assert card_titles(response) == ["Harbour reopens"]
    assertContains(response, "<title>Stories by Lena Moss — Lifescope News</title>", html=True)
    assertContains(response, "<h1>Lena Moss</h1>", html=True)
    assertContains(response, "<p>Covers ports &lt;b&gt;and&lt;/b&gt; shipping.</p>", html=True)
    assertContains(response, "<p>Based in Rotterdam.</p>", html=True)
    photo = page(response).find("img", class_="author-header__photo")
    assert photo.attrs["src"] == profile.photo.url
    assert (photo.attrs["width"], photo.attrs["height"]) == ("400", "400")
    assertContains(
        response, '<link rel="canonical" href="http://testserver/authors/lena-moss/">', html=True
    )


def test_bylines_link_to_the_author_page_by_its_slug(client, writer):
    story = ArticleFactory(author=writer)

    meta = page(client.get(story.get_absolute_url())).find(class_="article-meta")
    byline = meta.find("a", rel="author")

    assert byline.attrs["href"] == "/authors/lena-moss/"
    assert byline.text == "Lena Moss"
    assert meta.text.startswith("By Lena Moss · ")


def test_the_old_address_by_login_name_is_not_found(client, writer):
    ArticleFactory(author=writer)

    response = client.get(f"/authors/{LOGIN}/")

    assert response.status_code == 404
    assert LOGIN not in response.content.decode()


def test_accounts_without_published_work_have_no_public_page(client):
    DraftArticleFactory(author__first_name="Dora", author__last_name="Draft")
    inactive = ArticleFactory(author__first_name="Ivo", author__last_name="Gone").author
    inactive.is_active = False
    inactive.save()

    assert client.get("/authors/dora-draft/").status_code == 404
    assert client.get("/authors/ivo-gone/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404


def test_the_author_page_costs_the_same_queries_with_1_and_50_stories(
    client, count_queries, writer, django_capture_on_commit_callbacks
):
    ArticleFactory(author=writer)
    count_queries(client, "/authors/lena-moss/")  # fills the boxes and the page's fragments
    _, with_one = count_queries(client, "/authors/lena-moss/")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(49):
            ArticleWithImageFactory(author=writer, tags=["common"])
        ArticleFactory(author__first_name="Other", author__last_name="Writer")
        services.everything_changed()  # as the admin's saves would, article by article
    count_queries(client, "/authors/lena-moss/")
    response, with_fifty = count_queries(client, "/authors/lena-moss/")

    assert len(card_titles(response)) == 10
    assert with_one == with_fifty == BUDGETS["author"]


# --- Profiles made for whoever writes -----------------------------------------------------------
def test_a_first_article_gives_its_writer_a_profile_named_after_them():
    user = StaffFactory(username="amoss", first_name="Ana", last_name="Lima")
    assert not Author.objects.exists()

    ArticleFactory(author=user)
    ArticleFactory(author=user)

    assert list(Author.objects.values_list("user", "name", "slug")) == [
        (user.pk, "Ana Lima", "ana-lima")
    ]


def test_profiles_made_automatically_have_unique_slugs_and_never_the_login_name():
    first = ArticleFactory(author__first_name="Ana", author__last_name="Lima").author
    namesake = ArticleFactory(author__first_name="Ana", author__last_name="Lima").author
    # Someone whose login is what their name would make.
    login_alike = ArticleFactory(
        author__username="tom-king", author__first_name="Tom", author__last_name="King"
    ).author
    nameless = ArticleFactory(author__first_name="", author__last_name="").author
    another = ArticleFactory(author__first_name="", author__last_name="").author

    assert [
        (user.author_profile.name, user.author_profile.slug)
        for user in (first, namesake, login_alike, nameless, another)
    ] == [
        ("Ana Lima", "ana-lima"),
        ("Ana Lima", "ana-lima-2"),
        ("Tom King", "tom-king-2"),
        ("Staff writer", "author-1"),
        ("Staff writer", "author-2"),
    ]


def test_a_very_long_name_is_cut_to_fit_the_profile():
    user = ArticleFactory(author__first_name="A" * 69, author__last_name="B" * 150).author

    profile = Author.objects.get(user=user)

    assert profile.name == f"{'A' * 69} {'B' * 80}"
    assert profile.slug == "a" * 69  # cut where the hyphen fell, not ending with it


def test_an_editors_changes_to_a_profile_survive_further_articles():
    story = ArticleFactory(author__first_name="Ana", author__last_name="Lima")
    Author.objects.filter(user=story.author).update(name="Ana M. Lima", slug="ana-m-lima")

    ArticleFactory(author=story.author)

    assert Author.objects.get(user=story.author).slug == "ana-m-lima"


def test_the_migration_gives_every_writer_a_profile_and_nobody_else():
    migration = importlib.import_module("articles.migrations.0010_authors")
    jo = ArticleFactory(author__first_name="Jo", author__last_name="Doe").author
    namesake = DraftArticleFactory(author__first_name="Jo", author__last_name="Doe").author
    login_alike = ArticleFactory(
        author__username="kim-roe", author__first_name="Kim", author__last_name="Roe"
    ).author
    nameless = ArticleFactory(author__first_name="", author__last_name="").author
    UserFactory(first_name="Rita", last_name="Reader")
    Author.objects.all().delete()

    migration.create_profiles(apps, None)

    assert set(Author.objects.values_list("user", "name", "slug")) == {
        (jo.pk, "Jo Doe", "jo-doe"),
        (namesake.pk, "Jo Doe", "jo-doe-2"),
        (login_alike.pk, "Kim Roe", "kim-roe-2"),
        (nameless.pk, "Staff writer", "author-1"),
    }


def test_a_story_whose_writer_has_no_profile_names_nobody_but_the_byline(client, writer):
    # Rows written around save() (a bulk import) may have none until their writer saves again.
    plain = ArticleFactory(author=writer, title="Plain story")
    signed = ArticleFactory(author=writer, title="Signed story", byline="The News Desk")
    Author.objects.all().delete()

    plain_page = client.get(plain.get_absolute_url())
    signed_page = client.get(signed.get_absolute_url())

    assert page(plain_page).find("a", rel="author") is None
    assert "By Lifescope News" in page(plain_page).find(class_="article-meta").text
    assert "By The News Desk" in page(signed_page).find(class_="article-meta").text
    assert LOGIN not in plain_page.content.decode() + signed_page.content.decode()


# --- The admin ----------------------------------------------------------------------------------
def change_url(profile):
    return reverse("admin:articles_author_change", args=[profile.pk])


def profile_form(**overrides):
    return {"name": "Lena Moss", "slug": "lena-moss", "bio": "", **overrides}


@pytest.mark.parametrize(("who", "status"), [("editor", 200), ("moderator", 403), ("staff", 403)])
def test_only_editors_may_edit_profiles(client, writer, who, status):
    profile = ArticleFactory(author=writer).author.author_profile
    user = {"editor": EditorFactory, "moderator": ModeratorFactory, "staff": StaffFactory}[who]()
    client.force_login(user)

    assert client.get(reverse("admin:articles_author_changelist")).status_code == status
    assert client.get(change_url(profile)).status_code == status


def test_an_editor_sets_name_slug_bio_and_photo_and_every_page_shows_them_at_once(
    client, editor, writer, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    story = ArticleFactory(author=writer, title="Harbour reopens")
    reader = Client()
    reader.get(story.get_absolute_url())
    assert reader.get(story.get_absolute_url())["X-Page-Cache"] == "hit"
    client.force_login(editor)
    profile = writer.author_profile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(profile),
            profile_form(
                name="Lena M. Moss",
                slug="lena-m-moss",
                bio="Twenty years on the docks.",
                photo=image_upload(f"{LOGIN}.jpg", size=(600, 600)),
            ),
        )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.slug, profile.photo_width) == ("Lena M. Moss", "lena-m-moss", 600)
    assert LOGIN not in profile.photo.name
    assert profile.photo_renditions["items"]
    article_page = reader.get(story.get_absolute_url())
    assert page(article_page).find("a", rel="author").text == "Lena M. Moss"
    author_page = reader.get("/authors/lena-m-moss/")
    assertContains(author_page, "<p>Twenty years on the docks.</p>", html=True)
    assert reader.get("/authors/lena-moss/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", LOGIN, "The address must not be the writer’s login name."),
        ("name", LOGIN, "The name must not be the writer’s login name."),
        ("slug", "taken-slug", "Author with this Slug already exists."),
        ("slug", "Not a slug!", "Enter a valid “slug”"),
        ("name", "", "This field is required."),
    ],
)
def test_the_admin_refuses_a_bad_profile_and_changes_nothing(
    client, editor, writer, field, value, message
):
    ArticleFactory(author__first_name="Taken", author__last_name="Slug")
    profile = ArticleFactory(author=writer).author.author_profile
    client.force_login(editor)

    response = client.post(change_url(profile), profile_form(**{field: value}))

    assert response.status_code == 200
    assertContains(response, message)
    profile.refresh_from_db()
    assert (profile.name, profile.slug) == ("Lena Moss", "lena-moss")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("me.jpg", b"just text"), "Upload a valid image"),
        (image_upload("me.jpg", image_format="PNG"), "contains a PNG image"),
    ],
)
def test_the_admin_refuses_a_photo_that_is_not_a_proper_image(
    client, editor, writer, upload, message
):
    profile = ArticleFactory(author=writer).author.author_profile
    client.force_login(editor)

    response = client.post(change_url(profile), profile_form(photo=upload))

    assertContains(response, message)
    profile.refresh_from_db()
    assert not profile.photo


def test_the_admin_lists_profiles_with_their_login_for_editors(client, editor, writer):
    ArticleFactory(author=writer)
    client.force_login(editor)

    response = client.get(reverse("admin:articles_author_changelist"), {"q": "moss"})

    assertContains(response, "Lena Moss")
    assertContains(response, LOGIN)
    assertNotContains(response, "Add author")


def test_a_replaced_or_removed_photo_is_served_no_more(
    client, editor, writer, django_capture_on_commit_callbacks
):
    profile = ArticleFactory(author=writer).author.author_profile
    client.force_login(editor)

    def post(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(change_url(profile), profile_form(**changes))
        assert response.status_code == 302
        profile.refresh_from_db()
        return profile.photo.name, profile.photo_renditions.get("items", [])

    first, first_renditions = post(photo=image_upload("one.jpg", size=(500, 500)))
    second, second_renditions = post(photo=image_upload("two.jpg", size=(500, 500)))
    storage = profile.photo.storage
    assert storage.exists(second) and all(storage.exists(i["name"]) for i in second_renditions)
    assert not storage.exists(first)
    assert not any(storage.exists(item["name"]) for item in first_renditions)

    assert post(**{"photo-clear": "on"}) == ("", [])
    assert not storage.exists(second)
    assert not any(storage.exists(item["name"]) for item in second_renditions)
    assert client.get(f"/media/{second}").status_code == 404
