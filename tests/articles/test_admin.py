import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article
from tests.factories import (
    ArticleDailyViewsFactory,
    ArticleFactory,
    DraftArticleFactory,
    SectionFactory,
    StaffFactory,
    image_bytes,
    image_upload,
)
from tests.reading import texts

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")


def article_form(section, **overrides):
    data = {
        "title": "Bridge opens",
        "slug": "bridge-opens",
        "standfirst": "A new crossing.",
        "body": "<p>The bridge opened today.</p>",
        "section": section.pk,
        "tags": "Infrastructure, Cities",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "hero_alt": "",
        "hero_caption": "",
        "hero_credit": "",
        "byline": "",
        "seo_description": "",
    }
    return {**data, **overrides}


def test_editors_group_has_exactly_the_newsroom_permissions():
    editors = Group.objects.get(name="Editors")
    codenames = set(editors.permissions.values_list("content_type__app_label", "codename"))
    expected_articles = {
        f"{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in ("article", "section")
    } | {"preview_article", "publish_article", "change_author", "view_author"}
    expected = (
        {("articles", c) for c in expected_articles}
        | {("taggit", f"{action}_tag") for action in ("add", "change", "delete", "view")}
        | {("editorial", "view_revision"), ("editorial", "restore_revision")}
    )
    assert codenames == expected


@pytest.mark.parametrize(
    ("who", "changelist_status", "users_status"),
    [("editor", 200, 403), ("moderator", 403, 403), ("staff", 403, 403)],
)
def test_admin_access_matrix(client, editor, moderator, who, changelist_status, users_status):
    user = {"editor": editor, "moderator": moderator, "staff": StaffFactory()}[who]
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == changelist_status
    assert client.get(reverse("admin:auth_user_changelist")).status_code == users_status


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_editor_publishes_an_article_with_image_and_tags_and_readers_see_it(client, editor):
    section = SectionFactory()
    client.force_login(editor)
    data = article_form(
        section,
        author=editor.pk,
        hero_image=image_upload("bridge.jpg", size=(640, 400)),
        hero_alt="The new bridge at dusk",
    )

    response = client.post(ADD, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="bridge-opens")
    assert article.is_public
    assert (article.hero_width, article.hero_height) == (640, 400)
    assert sorted(article.tags.names()) == ["Cities", "Infrastructure"]
    client.logout()
    front = client.get("/").content.decode()
    assert "Bridge opens" in front
    assert "Bridge opens" in client.get("/tags/cities/").content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("notes.jpg", b"just text"), "Upload a valid image"),
        (("photo.jpg", image_bytes(image_format="PNG")), "contains a PNG image"),
        (("photo.bmp", image_bytes(image_format="BMP")), "Images must be JPEG, PNG, WEBP, GIF"),
    ],
)
def test_bad_uploads_get_a_form_error_and_nothing_is_saved(client, editor, upload, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(editor)
    name, content = upload
    data = article_form(
        SectionFactory(), author=editor.pk, hero_image=SimpleUploadedFile(name, content),
        hero_alt="Something",
    )  # fmt: skip

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Article.objects.exists()


def test_an_image_without_alt_text_is_refused(client, editor):
    client.force_login(editor)
    data = article_form(SectionFactory(), author=editor.pk, hero_image=image_upload())
    response = client.post(ADD, data)
    assert "Describe the image for readers who cannot see it." in response.content.decode()
    assert not Article.objects.exists()


def test_editor_body_is_sanitised_when_saved_from_the_admin(client, editor):
    client.force_login(editor)
    body = '<p>Hello<script>alert(1)</script> <a href="javascript:x()">link</a></p>'
    client.post(ADD, article_form(SectionFactory(), author=editor.pk, body=body))
    assert Article.objects.get().body == "<p>Hello <a>link</a></p>"


def test_changelist_shows_scheduled_time_and_status(client, editor):
    from tests.factories import ScheduledArticleFactory

    ScheduledArticleFactory(title="Weekend essay")
    DraftArticleFactory(title="Rough draft")
    client.force_login(editor)
    content = client.get(CHANGELIST).content.decode()
    assert "Scheduled for" in content
    assert "Draft" in content


def test_bulk_publish_and_unpublish_actions(client, editor):
    drafts = DraftArticleFactory.create_batch(2)
    live = ArticleFactory()
    client.force_login(editor)

    client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]}
    )
    assert Article.objects.published().count() == 3

    client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [live.pk]})
    assert set(Article.objects.published()) == set(drafts)


def test_publish_actions_are_hidden_without_the_publish_permission(client):
    from django.contrib.auth.models import Permission

    writer = StaffFactory()
    writer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_article", "change_article"])
    )
    client.force_login(writer)
    content = client.get(CHANGELIST).content.decode()
    assert "publish_selected" not in content
    assert "Return selected articles to draft" not in content


def test_unpublishing_in_the_admin_takes_a_story_out_of_the_popular_box_at_once(
    client, editor, django_capture_on_commit_callbacks
):
    ArticleDailyViewsFactory(article=ArticleFactory(title="Old favourite"), views=10)
    story = ArticleFactory(title="Story pulled for legal reasons")
    ArticleDailyViewsFactory(article=story, views=5_000)
    assert "Story pulled for legal reasons" in texts(client.get("/"), class_="popular-posts__item")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [story.pk]})
    client.logout()

    assert texts(client.get("/"), class_="popular-posts__item") == ["Old favourite"]


def test_editors_can_close_an_article_to_comments(client, editor):
    article = ArticleFactory()
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert 'name="comments_open"' in page.content.decode()
