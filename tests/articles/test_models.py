from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, DraftArticleFactory, ScheduledArticleFactory

pytestmark = pytest.mark.django_db


def test_published_includes_only_published_articles_whose_time_has_come():
    now = timezone.now()
    live = ArticleFactory(published_at=now - timedelta(minutes=1))
    DraftArticleFactory()
    ScheduledArticleFactory(published_at=now + timedelta(minutes=1))
    DraftArticleFactory(published_at=now - timedelta(days=1))

    assert list(Article.objects.published(now=now)) == [live]


def test_scheduled_article_becomes_visible_at_its_time_with_nothing_to_run():
    now = timezone.now()
    scheduled = ScheduledArticleFactory(published_at=now + timedelta(hours=2))

    assert scheduled not in Article.objects.published(now=now)
    assert scheduled in Article.objects.published(now=now + timedelta(hours=2))


def test_publishing_without_a_time_stamps_it_now():
    article = DraftArticleFactory()
    article.status = Article.Status.PUBLISHED
    before = timezone.now()
    article.save()

    assert article.published_at >= before
    assert article.is_public


def test_slug_is_derived_from_title_when_left_empty():
    article = ArticleFactory(title="Rain Returns to the Andes", slug="")
    assert article.slug == "rain-returns-to-the-andes"


def test_body_is_sanitised_on_save():
    article = ArticleFactory(body='<p onclick="steal()">Fine <script>alert(1)</script>text</p>')
    article.refresh_from_db()
    assert article.body == "<p>Fine text</p>"


def test_reading_time_counts_words_of_the_visible_text():
    words = " ".join(["word"] * 700)
    article = ArticleFactory(body=f"<p>{words}</p>")
    assert article.reading_minutes == 4


def test_author_name_prefers_byline_then_the_public_profiles_name():
    article = ArticleFactory(author__first_name="Lena", author__last_name="Moss", byline="")
    assert article.author_name == "Lena Moss"
    article.author.author_profile.name = "Lena M. Moss"
    assert article.author_name == "Lena M. Moss"
    article.byline = "Lifescope News Desk"
    assert article.author_name == "Lifescope News Desk"


def test_an_edit_well_after_publication_is_an_update(written_and_published):
    assert written_and_published(days_ago=1).was_updated


def test_saving_right_after_publication_is_not_an_update():
    assert not ArticleFactory(published_at=timezone.now()).was_updated


def test_a_backdated_article_entered_today_is_not_an_update():
    assert not ArticleFactory(published_at=timezone.now() - timedelta(days=30)).was_updated


def test_string_and_url():
    article = ArticleFactory(title="Headline", slug="headline")
    assert str(article) == "Headline"
    assert article.get_absolute_url() == "/articles/headline/"
    assert article.section.get_absolute_url() == f"/sections/{article.section.slug}/"
