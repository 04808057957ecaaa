from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory


@pytest.fixture
def written_and_published(db):
    """Makes an article written and published `days_ago`, then saved again by an editor now."""

    def make(days_ago):
        then = timezone.now() - timedelta(days=days_ago)
        article = ArticleFactory(published_at=then)
        Article.objects.filter(pk=article.pk).update(created_at=then)
        article.refresh_from_db()
        article.save()
        return article

    return make
