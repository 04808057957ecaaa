"""Every admin save keeps a revision; diffs are readable and escaped (restoring: test_restore)."""

import pytest
from django.urls import reverse

from articles.models import Article
from editorial import revisions
from editorial.models import Revision
from tests.editorial.conftest import change_form, change_url, restore_url
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def revisions_url(article):
    return reverse("admin:articles_article_revisions", args=[article.pk])


def save(client, article, **changes):
    article.refresh_from_db()
    return client.post(change_url(article), change_form(article, **changes))


def test_each_admin_save_keeps_who_when_what_and_a_snapshot(client, editor):
    article = ArticleFactory(title="Old title", tags=["Budget"])
    client.force_login(editor)

    save(client, article, title="New title", tags="Budget, Tax")

    baseline, edit = Revision.objects.filter(article=article).order_by("created_at", "id")
    assert baseline.author is None and baseline.snapshot["title"] == "Old title"
    assert edit.author == editor
    assert edit.changed_fields == ["title", "tags"]
    assert edit.snapshot["title"] == "New title"
    assert edit.snapshot["tags"] == ["Budget", "Tax"]
    assert edit.version == 2 == Article.objects.get(pk=article.pk).version


def test_a_new_article_starts_its_history(client, editor):
    client.force_login(editor)
    section = SectionFactory()
    data = change_form(ArticleFactory.build(section=section, author=editor, slug="fresh"))
    data.pop("loaded_version")

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302
    (revision,) = Revision.objects.all()
    assert revision.author == editor and "title" in revision.changed_fields


def test_the_diff_shows_changes_word_by_word_and_escapes_everything(client, editor):
    article = ArticleFactory(body="<p>The minister resigned on Monday.</p>")
    client.force_login(editor)
    save(client, article, body="<p>The minister <em>resigned</em> on Tuesday.</p>")
    save(client, article, title='<script>alert("x")</script> title')
    first_edit = Revision.objects.filter(article=article).order_by("created_at", "id")[1]

    page = client.get(first_edit.get_absolute_url()).content.decode()

    # Comparing two revisions shows the markup too, so a change of formatting is seen.
    assert '<span class="visually-hidden">Removed: </span>Monday.<span' in page
    assert '<span class="visually-hidden">Added: </span>&lt;em&gt;<span' in page
    assert "Tuesday." in page
    latest = Revision.objects.filter(article=article).first()
    page = client.get(latest.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")</script>' not in page


# "²" is a digit to str.isdigit() but not to int(); 5,000 nines are past int()'s digit limit.
@pytest.mark.parametrize("against", ["²", "1²", "9" * 5000, "abc", ""])
def test_a_malformed_against_compares_with_the_previous_revision(client, editor, against):
    article = ArticleFactory(title="One")
    client.force_login(editor)
    save(client, article, title="Two")
    latest = Revision.objects.filter(article=article).first()

    response = client.get(latest.get_absolute_url(), {"against": against})

    assert response.status_code == 200
    assert '<span class="visually-hidden">Removed: </span>One<span' in response.content.decode()
    assert '<span class="visually-hidden">Added: </span>Two<span' in response.content.decode()


def test_the_history_page_lists_revisions_newest_first(client, editor):
    article = ArticleFactory(title="One")
    client.force_login(editor)
    save(client, article, title="Two")
    save(client, article, title="Three")

    response = client.get(revisions_url(article))

    assert [r.snapshot["title"] for r in response.context["revisions"]] == ["Three", "Two", "One"]
    assert "Compare with previous" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "history_status", "restore_status"),
    [("editor", 200, 200), ("moderator", 403, 403), ("staff", 403, 403), ("anonymous", 302, 302)],
)
def test_who_may_see_and_restore_revisions(as_user, who, history_status, restore_status):
    article = ArticleFactory(title="Original")
    revisions.ensure_baseline(article.pk)
    revision = Revision.objects.get()
    client = as_user(who)

    history = client.get(revisions_url(article))
    confirm = client.get(restore_url(revision))
    act = client.post(restore_url(revision))

    assert history.status_code == history_status
    assert confirm.status_code == restore_status
    if who != "editor":
        assert act.status_code in (302, 403)
        assert Revision.objects.count() == 1
        if who == "anonymous":
            assert "/admin/login/" in act["Location"]
