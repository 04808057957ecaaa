"""generate_bulk fills a database the way the site itself would have: totals agree with rows."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone

from analytics.models import ArticleDailyViews
from articles import search
from articles.models import Article
from benchmarks.bulk import Plan
from benchmarks.generate_bulk import Command as GenerateBulk
from comments.models import Comment
from lifescope.sanitize import plain_text_to_html
from tests.factories import ArticleFactory
from tests.reading import page

pytestmark = pytest.mark.django_db


def generate(**sizes):
    out = io.StringIO()
    # A small batch, so every kind of row crosses several transactions.
    call_command(GenerateBulk(), stdout=out, **{"batch": 40, **sizes})
    return out.getvalue()


def test_the_totals_asked_for_are_exactly_what_is_stored():
    output = generate(articles=120, comments=700, views=9_000)

    assert Article.objects.count() == 120
    assert Article.objects.published().count() == 120 - 120 // 50  # one in fifty a draft
    assert Comment.objects.count() == 700
    assert ArticleDailyViews.objects.aggregate(total=Sum("views"))["total"] == 9_000
    assert "Done in" in output and "9,000 views" in output


def test_each_article_carries_the_totals_of_its_own_rows():
    generate(articles=80, comments=500, views=5_000)

    articles = Article.objects.annotate(
        approved=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED)),
    )
    viewed = dict(ArticleDailyViews.objects.values_list("article").annotate(total=Sum("views")))
    assert [(a.comment_count, a.view_count) for a in articles] == [
        (a.approved, viewed.get(a.pk, 0)) for a in articles
    ]
    assert Comment.objects.pending().exists()
    sample = Comment.objects.order_by("?").first()
    assert sample.body_html == plain_text_to_html(sample.body)
    drafts = Article.objects.filter(status=Article.Status.DRAFT)
    assert not Comment.objects.filter(article__in=drafts).exists()
    assert not ArticleDailyViews.objects.filter(article__in=drafts).exists()


def test_views_fall_on_days_between_publication_and_today():
    generate(articles=60, comments=0, views=4_000)

    today = timezone.localdate()
    for row in ArticleDailyViews.objects.select_related("article"):
        assert timezone.localdate(row.article.published_at) <= row.day <= today
        assert row.views > 0


def test_generated_stories_read_like_any_other(client):
    generate(articles=30, comments=300, views=1_000)
    newest = Article.objects.published().latest_first().first()
    commented = Article.objects.published().filter(comment_count__gt=0).first()
    comment = Comment.objects.approved().filter(article=commented).first()

    page = client.get(commented.get_absolute_url())
    tag_page = client.get(f"/tags/{newest.tags.first().slug}/")
    hits = search.search(newest.title)[0:10]

    assert page.status_code == 200
    assert comment.body_html in page.content.decode()
    assert newest.tags.count() == 3
    assert newest.title in tag_page.content.decode()
    assert hits[0].article == newest


def test_running_again_adds_more_and_the_site_keeps_numbering_after_them():
    generate(articles=20, comments=10, views=100)
    generate(articles=20, comments=10, views=100, seed=8)

    written_after = ArticleFactory()

    assert Article.objects.count() == 41
    assert written_after.pk > max(
        Article.objects.exclude(pk=written_after.pk).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "sizes",
    [{"articles": -1}, {"batch": 0}, {"articles": 0, "views": 10}],
)
def test_impossible_sizes_are_refused_before_anything_is_written(sizes):
    with pytest.raises(CommandError):
        generate(**{"articles": 10, "comments": 0, "views": 0, **sizes})

    assert not Article.objects.exists()


def test_a_plan_splits_its_totals_exactly_however_uneven_the_weights():
    plan = Plan(500, 12_345, 678_901, seed=3)

    assert sum(plan.views) == 678_901
    assert sum(plan.comments) == 12_345
    assert sum(views for n in range(500) for _, views in plan.daily_views(n)) == 678_901


def test_the_generated_writer_has_a_public_profile(client):
    generate(articles=12, comments=0, views=0)

    byline = page(client.get(Article.objects.published().first().get_absolute_url())).find(
        "a", rel="author"
    )

    assert (byline.attrs["href"], byline.text) == ("/authors/bulk-writer/", "Bulk Writer")
    assert client.get("/authors/bulk-writer/").status_code == 200
