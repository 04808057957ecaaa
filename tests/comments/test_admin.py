"""The moderation queue in the admin: who may do what, and what moderators see."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from tests.factories import (
    ApprovedCommentFactory,
    ArticleFactory,
    CommentFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")
MODERATION_ACTIONS = {
    "approve_selected",
    "reject_selected",
    "mark_spam_selected",
    "block_authors",
    "unblock_authors",
}


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def test_moderators_group_has_exactly_the_comment_permissions():
    codenames = set(
        Group.objects.get(name="Moderators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert codenames == {
        ("comments", "view_comment"),
        ("comments", "change_comment"),
        ("comments", "delete_comment"),
        ("comments", "can_moderate"),
    }


def test_editors_have_no_comment_permissions():
    editors = Group.objects.get(name="Editors")
    assert not editors.permissions.filter(content_type__app_label="comments").exists()


@pytest.fixture
def people(editor, moderator):
    return {
        "moderator": moderator,
        "editor": editor,
        "staff": StaffFactory(),
        "reader": UserFactory(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


@pytest.mark.parametrize(
    ("who", "queue", "comment_page", "articles", "users"),
    [
        ("moderator", 200, 200, 403, 403),
        ("editor", 403, 403, 200, 403),
        ("staff", 403, 403, 403, 403),
        ("superuser", 200, 200, 200, 200),
    ],
)
def test_admin_permission_matrix(client, people, who, queue, comment_page, articles, users):
    comment = CommentFactory()
    client.force_login(people[who])

    assert client.get(CHANGELIST).status_code == queue
    assert client.get(change_url(comment)).status_code == comment_page
    assert client.get(reverse("admin:articles_article_changelist")).status_code == articles
    assert client.get(reverse("admin:auth_user_changelist")).status_code == users


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_people_outside_the_newsroom_are_sent_to_log_in(client, people, who):
    if who == "reader":
        client.force_login(people["reader"])
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_moderator_sees_the_queue_count_and_only_the_comments_app(client, moderator):
    CommentFactory.create_batch(3)
    ApprovedCommentFactory()
    client.force_login(moderator)

    index = client.get(reverse("admin:index"))
    queue = client.get(CHANGELIST)

    assert [app["app_label"] for app in index.context["app_list"]] == ["comments"]
    page = queue.content.decode()
    assert (
        '<a href="?status__exact=pending"><strong>3</strong> comments awaiting moderation</a>'
        in page
    )
    assert 'href="/admin/comments/comment/add/"' not in page
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403


def test_the_queue_shows_each_comment_with_its_context(client, moderator):
    article = ArticleFactory(title="Harbour reopens")
    parent = ApprovedCommentFactory(article=article, name="Ada", body="Original point")
    CommentFactory(
        article=article,
        parent=parent,
        name="Bob",
        email="bob@example.com",
        body="Spammy https://a.example.com https://b.example.com https://c.example.com",
        signals="3 links (limit 2)",
    )
    client.force_login(moderator)

    response = client.get(CHANGELIST, {"status__exact": "pending"})

    page = response.content.decode()
    assert [c.name for c in response.context["cl"].result_list] == ["Bob"]
    assert (
        f'<a href="/articles/{article.slug}/" title="Harbour reopens">Harbour reopens</a>' in page
    )
    assert "Ada: “Original point” (Approved)" in page
    assert "bob@example.com" in page
    assert "3 links (limit 2)" in page
    assert '<td class="field-link_count">3</td>' in page


def test_the_queue_filters_by_article_and_searches_text(client, moderator):
    # Search reads names, addresses and titles too: none of them random ("Bridget" matched).
    one, two = ArticleFactory(title="Rates held"), ArticleFactory(title="Storm warning")
    CommentFactory(article=one, body="About the bridge", name="Ada", email="ada@example.com")
    CommentFactory(article=two, body="About the harbour", name="Sam", email="sam@example.com")
    client.force_login(moderator)

    by_article = client.get(CHANGELIST, {"article__id__exact": two.pk})
    by_text = client.get(CHANGELIST, {"q": "bridge"})

    assert [c.body for c in by_article.context["cl"].result_list] == ["About the harbour"]
    assert [c.body for c in by_text.context["cl"].result_list] == ["About the bridge"]
    this_year = client.get(CHANGELIST, {"created__year": timezone.now().year})
    last_year = client.get(CHANGELIST, {"created__year": timezone.now().year - 1})
    assert len(this_year.context["cl"].result_list) == 2
    assert len(last_year.context["cl"].result_list) == 0


@pytest.mark.parametrize(
    ("action", "status", "count"),
    [
        ("approve_selected", "approved", 2),
        ("reject_selected", "rejected", 0),
        ("mark_spam_selected", "spam", 0),
    ],
)
def test_moderators_act_in_bulk(client, moderator, action, status, count):
    article = ArticleFactory()
    comments = CommentFactory.create_batch(2, article=article)
    client.force_login(moderator)

    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )

    assert response.status_code == 200
    assert list(Comment.objects.values_list("status", flat=True)) == [status, status]
    assert set(Comment.objects.values_list("moderated_by", flat=True)) == {moderator.pk}
    article.refresh_from_db()
    assert article.comment_count == count


def offered_actions(client):
    form = client.get(CHANGELIST).context["action_form"]
    return set() if form is None else {name for name, _ in form.fields["action"].choices} - {""}


def test_the_moderation_actions_are_offered_only_with_the_permission(client, moderator):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    CommentFactory()

    client.force_login(moderator)
    for_moderator = offered_actions(client)
    client.force_login(viewer)
    for_viewer = offered_actions(client)

    assert for_moderator == MODERATION_ACTIONS | {"delete_selected"}
    assert for_viewer == set()


def test_a_viewer_cannot_moderate_by_posting_the_action(client):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    comment = CommentFactory()
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [comment.pk]})

    comment.refresh_from_db()
    assert comment.status == "pending"


def test_one_comment_is_approved_from_its_own_page(client, moderator):
    comment = CommentFactory(body="Approve me")
    client.force_login(moderator)

    page = client.get(change_url(comment)).content.decode()
    response = client.post(change_url(comment), {"status": "approved"})

    assert 'name="status"' in page
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by, comment.body) == (
        "approved",
        moderator,
        "Approve me",
    )
    comment.article.refresh_from_db()
    assert comment.article.comment_count == 1


def test_moderators_cannot_edit_what_the_reader_wrote(client, moderator):
    comment = CommentFactory(body="Original words", name="Ada")
    client.force_login(moderator)

    client.post(change_url(comment), {"status": "pending", "body": "Edited", "name": "Mallory"})

    comment.refresh_from_db()
    assert (comment.body, comment.name) == ("Original words", "Ada")


def test_deleting_in_the_admin_keeps_the_count_exact(client, moderator):
    article = ArticleFactory()
    comments = ApprovedCommentFactory.create_batch(3, article=article)
    client.force_login(moderator)

    client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [comments[0].pk, comments[1].pk],
            "post": "yes",
        },
    )
    client.post(reverse("admin:comments_comment_delete", args=[comments[2].pk]), {"post": "yes"})

    assert not Comment.objects.exists()
    article.refresh_from_db()
    assert article.comment_count == 0


@pytest.mark.parametrize(("who", "shown"), [("moderator", True), ("editor", False)])
def test_the_admin_index_shows_the_queue_to_moderators(client, people, monkeypatch, who, shown):
    # The site opts in with admin.site.index_template = "comments/admin/index.html".
    monkeypatch.setattr(admin.site, "index_template", "comments/admin/index.html")
    CommentFactory.create_batch(2)
    client.force_login(people[who])

    page = client.get(reverse("admin:index")).content.decode()

    notice = (
        '<a href="/admin/comments/comment/?status__exact=pending"><strong>2</strong> comments '
        "awaiting moderation</a>"
    )
    assert (notice in page) is shown
