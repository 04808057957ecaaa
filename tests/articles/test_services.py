import pytest
from django.db.models import F

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, DraftArticleFactory

pytestmark = pytest.mark.django_db


def test_publish_and_unpublish_move_the_version_on():
    """So a form opened before a takedown cannot silently publish the article again."""
    draft, live = DraftArticleFactory(), ArticleFactory()
    versions = {a.pk: a.version for a in (draft, live)}

    services.publish(Article.objects.filter(pk=draft.pk))
    services.unpublish(Article.objects.filter(pk=live.pk))

    for article in (draft, live):
        article.refresh_from_db()
        assert article.version == versions[article.pk] + 1


def test_saving_a_loaded_article_keeps_counts_made_meanwhile():
    article = ArticleFactory(view_count=10, comment_count=2)
    loaded = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(
        view_count=F("view_count") + 5, comment_count=F("comment_count") + 1
    )

    loaded.title = "A corrected headline"
    loaded.save()

    article.refresh_from_db()
    assert (article.title, article.view_count, article.comment_count) == (
        "A corrected headline",
        15,
        3,
    )


@pytest.mark.parametrize("change", ["rename", "delete"])
def test_renaming_or_deleting_a_tag_retires_the_pages_that_show_it(
    change, settings, django_capture_on_commit_callbacks
):
    from django.test import Client
    from taggit.models import Tag

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    article = ArticleFactory(tags=["Ports"])
    reader = Client(HTTP_USER_AGENT="Mozilla/5.0")
    reader.get(article.get_absolute_url())
    assert reader.get(article.get_absolute_url())["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        tag = Tag.objects.get(name="Ports")
        if change == "rename":
            tag.name = "Harbours"
            tag.save()
        else:
            tag.delete()

    again = reader.get(article.get_absolute_url())
    assert again["X-Page-Cache"] == "miss"
    assert (b">Harbours<" in again.content) is (change == "rename")
    assert b">Ports<" not in again.content
