"""Hero renditions: made once after the save, right sizes and formats, upright, no location.

tests/editorial/test_renditions_commit.py covers when they are made and deleted.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import ExifTags, Image

from articles.models import Article
from tests.editorial.conftest import change_form, change_url, jpeg_upload
from tests.factories import ArticleFactory, ArticleWithImageFactory, image_bytes

pytestmark = pytest.mark.django_db


def gps_exif(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Lifescope Camera"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (0.0, 7.0, 0.0),
        }
    )
    return exif.tobytes()


@pytest.fixture
def article_with_hero(django_capture_on_commit_callbacks):
    """Saves an article with `upload` as its hero and runs what waits for the commit."""

    def save(upload):
        article = ArticleFactory.build(hero_alt="A test picture")
        article.author.save()
        article.section.save()
        article.hero_image = upload
        with django_capture_on_commit_callbacks(execute=True):
            article.save()
        return article

    return save


def opened(name):
    with default_storage.open(name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_widths_formats_and_sizes_of_a_large_jpeg(article_with_hero):
    article = article_with_hero(jpeg_upload(size=(2400, 1600)))

    items = article.hero_renditions["items"]
    assert [(i["width"], i["height"], i["format"]) for i in items] == [
        (w, h, f) for w, h in [(480, 320), (800, 533), (1200, 800), (1600, 1067)]
        for f in ("webp", "jpeg")
    ]  # fmt: skip
    assert article.hero_renditions["source"] == article.hero_image.name
    for item in items:
        image = opened(item["name"])
        assert image.size == (item["width"], item["height"])
        assert image.format == item["format"].upper()
        assert default_storage.size(item["name"]) < 300 * 1024


def test_a_small_image_is_never_upscaled(article_with_hero):
    article = article_with_hero(jpeg_upload(size=(640, 400)))

    widths = sorted({item["width"] for item in article.hero_renditions["items"]})

    assert widths == [480, 640]


def test_transparency_falls_back_to_png(article_with_hero):
    buffer = io.BytesIO()
    Image.new("RGBA", (900, 600), (255, 0, 0, 90)).save(buffer, "PNG")
    article = article_with_hero(SimpleUploadedFile("logo.png", buffer.getvalue()))

    formats = {item["format"] for item in article.hero_renditions["items"]}

    assert formats == {"webp", "png"}
    assert opened(article.hero_renditions["items"][-1]["name"]).mode == "RGBA"


def test_exif_orientation_is_applied_and_location_stripped_from_original_and_renditions(
    article_with_hero,
):
    # Stored sideways (1200 wide, 800 high) with "rotate 90° clockwise to view" (6).
    article = article_with_hero(jpeg_upload(size=(1200, 800), exif=gps_exif(orientation=6)))

    original = opened(article.hero_image.name)
    assert original.size == (800, 1200) == (article.hero_width, article.hero_height)
    assert not original.getexif() and "exif" not in original.info
    for item in article.hero_renditions["items"]:
        image = opened(item["name"])
        assert image.height > image.width
        assert not image.getexif() and "exif" not in image.info
    with default_storage.open(article.hero_image.name) as stored:
        assert b"Lifescope Camera" not in stored.read()


def test_an_upright_photo_loses_its_location_but_keeps_its_pixels(article_with_hero):
    article = article_with_hero(jpeg_upload(size=(1000, 600), exif=gps_exif(orientation=1)))

    original = opened(article.hero_image.name)

    assert original.size == (1000, 600)
    assert ExifTags.IFD.GPSInfo not in original.getexif()
    assert not original.getexif()


def test_renditions_are_made_once_not_on_every_save(monkeypatch, article_with_hero):
    article = article_with_hero(jpeg_upload())
    recorded = article.hero_renditions
    monkeypatch.setattr(
        "lifescope.renditions._encode", lambda *a: pytest.fail("renditions were made again")
    )

    article.title = "Edited"
    article.save()

    assert Article.objects.get(pk=article.pk).hero_renditions == recorded


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cut.jpg", image_bytes((800, 600))[:400], "Upload a valid image"),
        ("vector.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "valid image"),
        ("photo.png", image_bytes((300, 200), "JPEG"), "named .png but contains a JPEG"),
    ],
    ids=["truncated", "svg", "wrong-extension"],
)
def test_hostile_uploads_are_refused_by_the_admin_and_nothing_is_stored(
    client, editor, name, content, message
):
    article = ArticleWithImageFactory(author=editor)
    before = (article.hero_image.name, article.hero_renditions, article.version)
    client.force_login(editor)

    response = client.post(
        change_url(article), change_form(article, hero_image=SimpleUploadedFile(name, content))
    )

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["hero_image"])
    stored = Article.objects.get(pk=article.pk)
    assert (stored.hero_image.name, stored.hero_renditions, stored.version) == before
    assert not default_storage.exists(f"renditions/articles/{name}")


def test_a_decompression_bomb_is_refused_before_decoding(client, editor, settings):
    settings.LIFESCOPE = {**settings.LIFESCOPE, "HERO_IMAGE_MAX_PIXELS": 1_000_000}
    article = ArticleFactory(author=editor)
    client.force_login(editor)

    response = client.post(
        change_url(article), change_form(article, hero_image=jpeg_upload(size=(2000, 1000)))
    )

    assert "megapixels" in str(response.context["adminform"].form.errors["hero_image"])
    assert not Article.objects.get(pk=article.pk).hero_image


def test_a_bad_file_saved_from_code_never_reaches_storage_or_the_database():
    article = ArticleFactory.build(hero_alt="x")
    article.author.save()
    article.section.save()
    article.hero_image = ContentFile(b"GIF89a not really", name="fake.gif")

    with pytest.raises(ValidationError):
        article.save()

    assert article.pk is None
    assert not default_storage.exists("renditions")


def test_the_page_serves_a_picture_with_srcsets_sizes_and_dimensions(client, article_with_hero):
    article = article_with_hero(jpeg_upload(size=(2400, 1600)))

    page = client.get(article.get_absolute_url()).content.decode()

    assert '<source type="image/webp" srcset="/media/renditions/' in page
    assert "-480w.webp 480w, " in page and "-1600w.webp 1600w" in page
    assert 'srcset="/media/renditions/' in page and "-1600w.jpg 1600w" in page
    assert 'sizes="(min-width: 72rem) 48rem' in page
    assert 'width="1600" height="1067"' in page


def test_cards_below_the_fold_load_lazily(client, article_with_hero):
    for _ in range(6):
        article_with_hero(jpeg_upload(size=(1000, 600)))

    page = client.get("/").content.decode()

    assert page.count("<picture>") == 6
    assert page.count('loading="lazy"') >= 2
    assert 'sizes="(min-width: 40rem) 12rem, 100vw"' in page


def test_articles_saved_before_renditions_existed_still_show_their_original(client):
    article = ArticleWithImageFactory()
    Article.objects.filter(pk=article.pk).update(hero_renditions={})

    page = client.get(article.get_absolute_url()).content.decode()

    assert f'<img src="{article.hero_image.url}"' in page
    assert "<picture>" not in page


def test_the_command_builds_renditions_for_existing_articles():
    article = ArticleWithImageFactory()
    Article.objects.filter(pk=article.pk).update(hero_renditions={})

    call_command("build_renditions", stdout=io.StringIO())

    record = Article.objects.get(pk=article.pk).hero_renditions
    assert record["source"] == article.hero_image.name
    assert {item["format"] for item in record["items"]} == {"webp", "jpeg"}


def test_the_article_page_costs_no_extra_query_or_storage_call_for_renditions(
    client, count_queries, monkeypatch, article_with_hero
):
    with_renditions = article_with_hero(jpeg_upload(size=(1600, 1000)))
    without = ArticleFactory()
    for article in (with_renditions, without):
        client.get(article.get_absolute_url())  # warm the sidebar and related-story caches
    _, plain = count_queries(client, without.get_absolute_url())
    for method in ("exists", "open", "size", "listdir"):
        monkeypatch.setattr(FileSystemStorage, method, lambda *a, m=method: pytest.fail(m))

    response, with_picture = count_queries(client, with_renditions.get_absolute_url())

    assert "<picture>" in response.content.decode()
    assert with_picture == plain
