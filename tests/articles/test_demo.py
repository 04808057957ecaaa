import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.demo.stories import SEED_SLUG
from articles.models import Article
from tests.factories import ArticleFactory
from tests.reading import page

pytestmark = pytest.mark.django_db

POPULAR_FROM_SEED = [
    "Our First Global Highlight: Why Lifescope News Exists",
    "Kamala Harris out",
    "Global Regulators Ramp Up AI Oversight in Finance",
]


def test_demo_serves_the_seed_page_as_the_lead_story(client, capsys):
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "username: editor" in output and "password:" in output

    front = client.get("/")
    lead = page(front).find("article", class_="card--lead")
    assert lead.find("a", href=f"/articles/{SEED_SLUG}/") is not None

    article = client.get(f"/articles/{SEED_SLUG}/").content.decode()
    assert "Trump Meets Colombia’s Gustavo Petro in High-Stakes White House Talks" in article
    assert "<h2>Why This Meeting Matters</h2>" in article
    assert "<h3>2. Counternarcotics Cooperation</h3>" in article
    box = article[article.index("Popular posts from this blog") :]
    positions = [box.index(title) for title in POPULAR_FROM_SEED]
    assert positions == sorted(positions)


def test_demo_images_are_served_as_jpeg(client):
    call_command("load_demo")
    article = Article.objects.get(slug=SEED_SLUG)
    assert article.hero_image.name.endswith(".jpg")
    assert (article.hero_width, article.hero_height) == (1200, 800)
    assert article.hero_alt


def test_demo_accounts_can_log_in_with_the_printed_passwords(client):
    call_command("load_demo")
    login = "/admin/login/?next=/admin/"
    editor = {"username": "editor", "password": "lifescope-editor-demo"}
    assert client.post(login, editor)["Location"] == "/admin/"
    assert client.get("/admin/articles/article/").status_code == 200
    moderator = {"username": "moderator", "password": "lifescope-moderator-demo"}
    assert client.post(login, moderator)["Location"] == "/admin/"
    assert client.get("/admin/articles/article/").status_code == 403


def test_demo_keeps_drafts_and_scheduled_stories_away_from_readers(client):
    call_command("load_demo")
    hidden = Article.objects.exclude(pk__in=Article.objects.published())
    assert hidden.count() == 2
    for article in hidden:
        assert client.get(article.get_absolute_url()).status_code == 404


def test_running_it_twice_changes_nothing():
    call_command("load_demo")
    counts = (Article.objects.count(), get_user_model().objects.count())
    call_command("load_demo")
    assert (Article.objects.count(), get_user_model().objects.count()) == counts


def test_refuses_a_site_with_real_content_unless_forced():
    ArticleFactory(title="Our own story")
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert Article.objects.count() == 1

    call_command("load_demo", "--force")
    assert Article.objects.filter(slug=SEED_SLUG).exists()
