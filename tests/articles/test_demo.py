import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.demo.stories import SEED_SLUG
from articles.models import Article
from tests.factories import ArticleFactory
from tests.reading import page, texts
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

POPULAR_FROM_SEED = [
    "Our First Global Highlight: Why Lifescope News Exists",
    "Kamala Harris out",
    "Global Regulators Ramp Up AI Oversight in Finance",
]


def test_demo_serves_the_seed_page_as_the_lead_story(client, capsys):
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "e-mail: editor@lifescope.example" in output and "password:" in output

    front = client.get("/")
    lead = page(front).find("article", class_="card--lead")
    assert lead.find("a", href=f"/articles/{SEED_SLUG}/") is not None

    response = client.get(f"/articles/{SEED_SLUG}/")
    article = response.content.decode()
    assert "Trump Meets Colombia’s Gustavo Petro in High-Stakes White House Talks" in article
    assert "<h2>Why This Meeting Matters</h2>" in article
    assert "<h3>2. Counternarcotics Cooperation</h3>" in article
    # The seed's box ranked all time, led by a 40-day-old house note; ours ranks the last 7
    # days, as /popular/ does by default.
    box = texts(response, class_="popular-posts__item")
    assert box == texts(client.get("/popular/"), class_="card__title")[:5]
    assert POPULAR_FROM_SEED[0] not in box


def test_demo_images_are_served_as_jpeg(client):
    call_command("load_demo")
    article = Article.objects.get(slug=SEED_SLUG)
    assert article.hero_image.name.endswith(".jpg")
    assert (article.hero_width, article.hero_height) == (1200, 800)
    assert article.hero_alt


def test_demo_accounts_can_log_in_with_the_printed_passwords(client):
    call_command("load_demo")
    editor = sign_in(client, "editor@lifescope.example", "lifescope-editor-demo")
    assert editor["Location"] == "/admin/"
    assert client.get("/admin/articles/article/").status_code == 200
    client.post("/accounts/logout/")
    moderator = sign_in(client, "moderator@lifescope.example", "lifescope-moderator-demo")
    assert moderator["Location"] == "/admin/"
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


def test_the_demo_writer_has_a_public_profile_with_bio_and_photo(client):
    call_command("load_demo")

    author = page(client.get("/authors/maya-ortiz/"))
    byline = page(client.get(f"/articles/{SEED_SLUG}/")).find("a", rel="author")

    assert author.find("h1").text == "Maya Ortiz"
    assert "chooses the week's Global Highlight" in author.find(class_="author-header__bio").text
    photo = author.find("img", class_="author-header__photo")
    assert photo.attrs["src"].startswith("/media/authors/maya-ortiz")
    assert (photo.attrs["width"], photo.attrs["height"]) == ("480", "480")
    assert (byline.attrs["href"], byline.text) == ("/authors/maya-ortiz/", "Maya Ortiz")
    assert client.get("/authors/editor/").status_code == 404
