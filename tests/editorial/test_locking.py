"""Two editors saving the same article: the second is told, and nothing of theirs is lost."""

import threading

import pytest
from django.db import connection, transaction

from articles.models import Article
from editorial import revisions
from editorial.models import Revision
from tests.editorial.conftest import change_form, change_url
from tests.factories import ArticleFactory, EditorFactory


@pytest.fixture
def rival(db):
    return EditorFactory(username="rival", first_name="Ravi", last_name="Shah")


@pytest.mark.django_db
def test_the_second_save_of_the_same_version_is_refused_and_keeps_the_editors_text(
    client, editor, rival
):
    article = ArticleFactory(title="Original", body="<p>Original body.</p>")
    first_form = change_form(article, title="Rival's title")
    second_form = change_form(article, title="My title", body="<p>My careful rewrite.</p>")
    client.force_login(rival)
    assert client.post(change_url(article), first_form).status_code == 302

    client.force_login(editor)
    response = client.post(change_url(article), second_form)

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1 and errors[0].startswith("Ravi Shah changed this article at ")
    page = response.content.decode()
    assert "My careful rewrite." in page and 'value="My title"' in page
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.version) == ("Rival's title", 2)
    assert not Revision.objects.filter(author=editor).exists()


@pytest.mark.django_db
def test_saving_again_after_reloading_works(client, editor, rival):
    article = ArticleFactory()
    client.force_login(rival)
    client.post(change_url(article), change_form(article, title="Rival's title"))
    article.refresh_from_db()
    client.force_login(editor)

    response = client.post(change_url(article), change_form(article, title="Mine, after reload"))

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Mine, after reload"


@pytest.mark.django_db
def test_the_conditional_update_claims_a_version_once():
    article = ArticleFactory()

    revisions.claim_version(article, 1)
    with pytest.raises(revisions.StaleArticle):
        revisions.claim_version(Article.objects.get(pk=article.pk), 1)

    assert Article.objects.get(pk=article.pk).version == 2


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with row locks and several connections (PostgreSQL)")


def in_another_connection(work):
    """Runs `work` in a thread, so it commits through its own database connection."""

    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_that_loses_the_race_after_its_form_check_is_rolled_back_and_told(
    client, editor, rival, monkeypatch
):
    """The form check passed, then another editor's save committed before this one's UPDATE."""
    needs_postgresql()
    article = ArticleFactory(title="Original")
    ensure_baseline = revisions.ensure_baseline

    def rival_commits_first(article_id):
        ensure_baseline(article_id)
        monkeypatch.setattr(revisions, "ensure_baseline", ensure_baseline)

        def rival_save():
            with transaction.atomic():
                Article.objects.filter(pk=article_id).update(title="Rival's title", version=2)
                Revision.objects.create(article_id=article_id, version=2, author=rival, snapshot={})

        in_another_connection(rival_save)

    monkeypatch.setattr(revisions, "ensure_baseline", rival_commits_first)
    client.force_login(editor)

    response = client.post(change_url(article), change_form(article, title="My title"))

    assert response.status_code == 200
    assert "Ravi Shah changed this article" in response.content.decode()
    assert 'value="My title"' in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Rival's title"
    assert not Revision.objects.filter(author=editor).exists()
    # The losing request's baseline revision was rolled back with the rest of it.
    assert not Revision.objects.filter(author=None).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_claims_of_one_version_let_exactly_one_through():
    needs_postgresql()
    article = ArticleFactory()
    barrier, outcomes = threading.Barrier(2), []

    def claim():
        try:
            with transaction.atomic():
                barrier.wait(timeout=5)
                revisions.claim_version(Article.objects.get(pk=article.pk), 1)
                outcomes.append("saved")
        except revisions.StaleArticle:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["refused", "saved"]
    assert Article.objects.get(pk=article.pk).version == 2
