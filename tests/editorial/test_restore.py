"""Restoring a revision brings back the words and nothing that takes the article off the site."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.utils import timezone
from pytest_django.asserts import assertContains

from articles.models import Article
from editorial.models import Revision
from tests.editorial.conftest import jpeg_upload, restore_url, save_in_admin
from tests.factories import (
    ArticleFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    EditorFactory,
    ScheduledArticleFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

FIRST_BODY = (
    "<p>The minister <strong>resigned</strong> on Monday.</p><p>Parliament sits again in May.</p>"
)
SECOND_BODY = "<p>The minister resigned on Tuesday.</p>"
OPTIONAL = {"status", "published_at", "slug", "correction"}


def at(moment):
    """`moment` as the admin's two published_at inputs post it."""
    return {
        "published_at_0": moment.strftime("%Y-%m-%d"),
        "published_at_1": moment.strftime("%H:%M:%S"),
    }


@pytest.fixture
def times():
    now = timezone.now().replace(microsecond=0)
    return {"first": now - timedelta(hours=3), "second": now - timedelta(hours=1)}


@pytest.fixture
def story(client, editor, times):
    """The issue's story: a draft, published at `first`, then rewritten and corrected.

    Its revisions, oldest first: the draft (baseline), as published, as rewritten.
    """
    article = DraftArticleFactory(
        title="First words",
        slug="first-words",
        standfirst="What happened first.",
        body=FIRST_BODY,
        tags=["Politics"],
        hero_caption="The old caption",
        featured=False,
    )
    client.force_login(editor)
    save_in_admin(client, article, status="published", **at(times["first"]))
    save_in_admin(
        client,
        article,
        title="Second words",
        slug="second-words",
        standfirst="What happened next.",
        body=SECOND_BODY,
        tags="Politics, Cabinet",
        hero_caption="The new caption",
        correction="An earlier version gave the wrong day.",
        featured="on",
        **at(times["second"]),
    )
    article.refresh_from_db()
    history = Revision.objects.filter(article=article).order_by("created_at", "id")
    draft, published, rewritten = history
    return {"article": article, "draft": draft, "published": published, "rewritten": rewritten}


def restore(client, revision, **ticked):
    article = Article.objects.get(pk=revision.article_id)
    data = {"loaded_version": article.version, **{f"restore_{name}": "on" for name in ticked}}
    return client.post(restore_url(revision), data)


def offered_boxes(response):
    form = response.context["form"]
    return {name.removeprefix("restore_") for name in form.fields if name.startswith("restore_")}


def test_restoring_brings_back_the_words_and_keeps_the_article_live_and_corrected(
    client, story, times
):
    response = restore(client, story["draft"])

    assert response.status_code == 302
    article = Article.objects.get(pk=story["article"].pk)
    assert (article.title, article.standfirst, article.body) == (
        "First words",
        "What happened first.",
        FIRST_BODY,
    )
    assert sorted(article.tags.names()) == ["Politics"]
    assert article.hero_caption == "The old caption"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == times["second"]
    assert article.slug == "second-words"
    assert article.correction == "An earlier version gave the wrong day."
    # Not the words: filing and promotion stay as the editors left them.
    assert article.featured is True
    client.logout()
    page = client.get("/articles/second-words/")
    assert page.status_code == 200
    assert "First words" in page.content.decode()


@pytest.mark.parametrize(
    ("revision", "field", "expected"),
    [
        ("draft", "status", Article.Status.DRAFT),
        ("published", "published_at", "first"),
        ("published", "slug", "first-words"),
        ("published", "correction", ""),
    ],
)
def test_ticking_a_box_brings_that_field_back_too(client, story, times, revision, field, expected):
    restore(client, story[revision], **{field: True})

    article = Article.objects.get(pk=story["article"].pk)
    assert getattr(article, field) == times.get(expected, expected)
    assert article.title == "First words"
    others = OPTIONAL - {field}
    if revision == "published":
        others -= {"status"}  # it was published then too
    for other in others:
        assert getattr(article, other) == getattr(story["article"], other), other


def test_putting_the_draft_status_back_takes_the_page_offline(client, story):
    restore(client, story["draft"], status=True)
    client.logout()
    assert client.get("/articles/second-words/").status_code == 404


@pytest.mark.parametrize(
    ("revision", "boxes"),
    [
        ("draft", {"status", "published_at", "slug", "correction"}),
        ("published", {"published_at", "slug", "correction"}),
    ],
)
def test_a_box_is_offered_only_for_a_field_that_differs_and_is_unticked(
    client, story, revision, boxes
):
    response = client.get(restore_url(story[revision]))

    assert response.status_code == 200
    assert offered_boxes(response) == boxes
    unticked = '<input type="checkbox" name="restore_slug" id="id_restore_slug" {}>'
    assertContains(
        response, unticked.format('aria-describedby="restore_slug_consequence"'), html=True
    )
    for name in boxes:
        box = str(response.context["form"][f"restore_{name}"])
        assert box in response.content.decode() and "checked" not in box, name


def test_a_box_for_the_current_revision_is_offered_for_nothing(client, story):
    # The rewritten revision is the article as it is: nothing differs, so nothing to tick.
    assert offered_boxes(client.get(restore_url(story["rewritten"]))) == set()


def test_the_restore_is_a_revision_by_the_editor_that_says_what_it_restored(client, editor, story):
    before = story["article"].version

    restore(client, story["draft"])

    latest = Revision.objects.filter(article=story["article"]).first()
    article = Article.objects.get(pk=story["article"].pk)
    when = timezone.localtime(story["draft"].created_at).strftime("%d %b %Y %H:%M")
    assert latest.author == editor
    assert latest.note == f"Restored from the revision of {when}"
    assert latest.changed_fields == ["title", "standfirst", "body", "hero_caption", "tags"]
    assert article.version == latest.version == before + 1
    history = client.get(f"/admin/articles/article/{article.pk}/revisions/").content.decode()
    assert f"Restored from the revision of {when}" in history


def test_a_restore_is_undone_by_restoring_the_revision_before_it(client, story):
    restore(client, story["draft"])

    restore(client, Revision.objects.get(pk=story["rewritten"].pk))

    article = Article.objects.get(pk=story["article"].pk)
    assert (article.title, article.body) == ("Second words", SECOND_BODY)
    assert sorted(article.tags.names()) == ["Cabinet", "Politics"]
    assert article.hero_caption == "The new caption"
    assert Revision.objects.filter(article=article).count() == 5


def test_readers_see_the_restored_words_at_once(
    client, settings, story, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    reader = client.__class__()
    assert "Second words" in reader.get("/articles/second-words/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        restore(client, story["draft"])

    page = reader.get("/articles/second-words/").content.decode()
    assert "First words" in page and "Second words" not in page


def test_the_confirmation_compares_the_text_not_the_markup(client, story):
    response = client.get(restore_url(story["draft"]))

    page = response.content.decode()
    assert "&lt;p&gt;" not in page and "&lt;strong&gt;" not in page
    # Word by word within the paragraph both have; each mark says what it is to a screen reader.
    assertContains(
        response,
        "<p>The minister resigned on "
        '<del><span class="visually-hidden">Removed: </span>Tuesday.'
        '<span class="visually-hidden"> End of removal.</span></del>'
        '<ins><span class="visually-hidden">Added: </span>Monday.'
        '<span class="visually-hidden"> End of addition.</span></ins></p>',
        html=True,
    )
    # The paragraph the revision had and the article lost comes back as a paragraph.
    assertContains(
        response,
        '<p><ins><span class="visually-hidden">Added: </span>Parliament sits again in May.'
        '<span class="visually-hidden"> End of addition.</span></ins></p>',
        html=True,
    )
    # The words are compared; the four fields that need a tick are offered, not listed.
    changes = [change.name for change in response.context["changes"]]
    assert changes == ["title", "standfirst", "body", "hero_caption", "tags"]


@pytest.mark.parametrize(
    ("factory", "says"),
    [
        (ArticleFactory, "Readers will see this at once: the article is published."),
        (DraftArticleFactory, "The article is a draft: readers see nothing until it is published."),
        (ScheduledArticleFactory, "The article is scheduled for "),
    ],
)
def test_the_confirmation_says_when_readers_will_see_the_change(client, editor, factory, says):
    article = factory(title="Old title")
    client.force_login(editor)
    save_in_admin(client, article, title="New title")
    first = Revision.objects.filter(article=article).order_by("created_at", "id").first()

    page = client.get(restore_url(first)).content.decode()

    assert says in page
    if factory is ScheduledArticleFactory:
        when = timezone.localtime(article.published_at).strftime("%-d %b %Y, %H:%M")
        assert f"{says}{when}: readers see this from then on." in page


def test_a_restore_confirmed_after_someone_else_saved_is_refused(client, editor, story):
    confirm = client.get(restore_url(story["draft"]))
    loaded = confirm.context["form"]["loaded_version"].value()
    rival = EditorFactory(username="rival", first_name="Ravi", last_name="Shah")
    client.force_login(rival)
    save_in_admin(client, story["article"], title="Ravi's title")
    client.force_login(editor)

    response = client.post(restore_url(story["draft"]), {"loaded_version": loaded})

    assert response.status_code == 409
    assert "Ravi Shah changed this article" in response.content.decode()
    assert Article.objects.get(pk=story["article"].pk).title == "Ravi's title"
    assert not Revision.objects.filter(author=editor, note__startswith="Restored").exists()


def test_an_address_another_article_took_meanwhile_is_refused(client, story):
    ArticleFactory(slug="first-words")

    response = restore(client, story["published"], slug=True)

    assert response.status_code == 400
    assert "Another article now has the address first-words" in response.content.decode()
    assert Article.objects.get(pk=story["article"].pk).title == "Second words"


@pytest.mark.parametrize(
    "data",
    [{}, {"loaded_version": "x"}, {"loaded_version": "-1"}, {"loaded_version": "9" * 30}],
)
def test_a_restore_without_the_version_it_was_confirmed_at_is_a_bad_request(client, story, data):
    response = client.post(restore_url(story["draft"]), data)

    assert response.status_code in (400, 409)
    assert Article.objects.get(pk=story["article"].pk).title == "Second words"


def newsroom_user(codenames):
    user = StaffFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


WRITER = ["view_article", "change_article", "view_revision", "restore_revision"]


@pytest.mark.parametrize(
    ("who", "confirm_status", "restores", "offers_status"),
    [
        ("editor", 200, True, True),
        # May restore the words, but not publish or unpublish: the status box is not offered
        # and a status posted anyway is ignored.
        ("writer", 200, True, False),
        ("reviewer", 403, False, False),  # may read revisions, not restore them
        ("no_change", 403, False, False),  # may restore, but not change articles
        ("moderator", 403, False, False),
        ("staff", 403, False, False),
        ("anonymous", 302, False, False),
    ],
)
def test_who_may_restore(client, story, moderator, who, confirm_status, restores, offers_status):
    users = {
        "editor": EditorFactory,
        "writer": lambda: newsroom_user(WRITER),
        "reviewer": lambda: newsroom_user(["view_article", "change_article", "view_revision"]),
        "no_change": lambda: newsroom_user(["view_article", "view_revision", "restore_revision"]),
        "moderator": lambda: moderator,
        "staff": StaffFactory,
    }
    client.logout()
    if who != "anonymous":
        client.force_login(users[who]())

    confirm = client.get(restore_url(story["draft"]))
    act = restore(client, story["draft"], status=True)

    assert confirm.status_code == confirm_status
    if confirm_status == 200:
        assert ("status" in offered_boxes(confirm)) is offers_status
    if who == "anonymous":
        assert "/admin/login/" in confirm["Location"]
    article = Article.objects.get(pk=story["article"].pk)
    assert (article.title == "First words") is restores
    expected_status = Article.Status.DRAFT if offers_status else Article.Status.PUBLISHED
    assert article.status == expected_status
    if not restores:
        assert act.status_code in (302, 403)
        assert Revision.objects.filter(article=article).count() == 3


@pytest.fixture
def reillustrated(client, editor):
    """An article whose hero image an editor replaced, with new alt text, caption and credit."""
    article = ArticleWithImageFactory(hero_caption="Old caption", hero_credit="Old credit")
    first_image = article.hero_image.name
    client.force_login(editor)
    save_in_admin(
        client,
        article,
        hero_image=jpeg_upload("new.jpg"),
        hero_alt="A new picture",
        hero_caption="New caption",
        hero_credit="New credit",
    )
    article.refresh_from_db()
    first = Revision.objects.filter(article=article).order_by("created_at", "id").first()
    return article, first, first_image


def test_restoring_brings_back_the_hero_image_with_its_words(client, reillustrated):
    article, first, first_image = reillustrated

    restore(client, first)

    stored = Article.objects.get(pk=article.pk)
    assert stored.hero_image.name == first_image
    assert (stored.hero_alt, stored.hero_caption, stored.hero_credit) == (
        "A navy rectangle",
        "Old caption",
        "Old credit",
    )


def test_an_image_no_longer_stored_keeps_the_current_one_and_what_describes_it(
    client, reillustrated
):
    article, first, first_image = reillustrated
    default_storage.delete(first_image)

    confirm = client.get(restore_url(first))
    restore(client, first)

    assertContains(confirm, "That revision's hero image is no longer stored")
    assert [change.name for change in confirm.context["changes"]] == []
    stored = Article.objects.get(pk=article.pk)
    assert stored.hero_image.name == article.hero_image.name
    assert (stored.hero_alt, stored.hero_caption, stored.hero_credit) == (
        "A new picture",
        "New caption",
        "New credit",
    )
