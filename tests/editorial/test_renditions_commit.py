"""When renditions are made and deleted: after the commit, once, and never at the article's cost."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFilter

from articles.models import Article
from lifescope import renditions
from lifescope.images import jpeg_without_metadata
from tests.editorial.conftest import change_form, change_url, jpeg_upload
from tests.editorial.test_renditions import gps_exif
from tests.factories import ArticleDailyViewsFactory, ArticleFactory
from tests.reading import page

pytestmark = pytest.mark.django_db


def new_article(upload):
    article = ArticleFactory.build(hero_alt="A test picture")
    article.author.save()
    article.section.save()
    article.hero_image = upload
    return article


def rendition_names(article):
    return [item["name"] for item in article.hero_renditions.get("items", ())]


def test_the_save_stores_the_original_and_leaves_renditions_for_after_the_commit(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    article = new_article(jpeg_upload(size=(2400, 1600)))
    encode = renditions._encode
    monkeypatch.setattr(renditions, "_encode", lambda *a: pytest.fail("encoded inside the save"))

    with django_capture_on_commit_callbacks() as after_commit:
        article.save()

    stored = Article.objects.get(pk=article.pk)
    assert stored.hero_renditions == {} and len(after_commit) == 1
    assert (stored.hero_width, stored.hero_height) == (2400, 1600)
    assert default_storage.exists(stored.hero_image.name)
    assert not default_storage.exists("renditions")
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        f'<img src="{stored.hero_image.url}" alt="A test picture" width="2400" height="1600"'
        in (page)
    )

    monkeypatch.setattr(renditions, "_encode", encode)
    with django_capture_on_commit_callbacks(execute=True):  # outside the test's transaction
        after_commit[0]()

    built = Article.objects.get(pk=article.pk)
    assert built.hero_renditions["source"] == built.hero_image.name
    assert len(built.hero_renditions["items"]) == 8
    assert (built.updated_at, built.version) == (stored.updated_at, stored.version)
    assert "<picture>" in client.get(article.get_absolute_url()).content.decode()


def test_a_failure_making_renditions_keeps_the_article_saved(
    client, editor, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    article = ArticleFactory(author=editor)
    client.force_login(editor)
    monkeypatch.setattr(renditions, "_encode", lambda *a: 1 / 0)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(article),
            change_form(
                article, title="Kept", hero_image=jpeg_upload(size=(900, 600)), hero_alt="A view"
            ),
        )

    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "Kept" and stored.hero_image and stored.hero_renditions == {}
    assert "Could not make renditions" in caplog.text
    assert (
        f'<img src="{stored.hero_image.url}"'
        in client.get(stored.get_absolute_url()).content.decode()
    )


def test_replacing_the_image_deletes_the_old_renditions_once_committed(
    django_capture_on_commit_callbacks,
):
    article = new_article(jpeg_upload(name="first.jpg", size=(1000, 600)))
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    first_image, first_renditions = article.hero_image.name, rendition_names(article)

    article = Article.objects.get(pk=article.pk)
    article.hero_image = jpeg_upload(name="second.jpg", size=(1000, 600))
    with django_capture_on_commit_callbacks() as after_commit:
        article.save()
    assert all(default_storage.exists(name) for name in first_renditions)
    for callback in after_commit:
        callback()

    assert not any(default_storage.exists(name) for name in first_renditions)
    # Kept: an earlier revision may restore it (and have its renditions made again).
    assert default_storage.exists(first_image)
    second = Article.objects.get(pk=article.pk)
    assert all(default_storage.exists(name) for name in rendition_names(second))
    assert "second" in second.hero_renditions["source"]


def test_deleting_the_article_deletes_its_image_and_renditions_once_committed(
    django_capture_on_commit_callbacks,
):
    article = new_article(jpeg_upload(size=(1000, 600)))
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    files = [article.hero_image.name, *rendition_names(article)]

    with django_capture_on_commit_callbacks() as after_commit:
        Article.objects.filter(pk=article.pk).delete()
    assert all(default_storage.exists(name) for name in files)
    for callback in after_commit:
        callback()

    assert not any(default_storage.exists(name) for name in files)


def test_files_another_article_still_shows_are_kept(django_capture_on_commit_callbacks):
    article = new_article(jpeg_upload(size=(1000, 600)))
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    twin = ArticleFactory(
        hero_image=article.hero_image.name, hero_renditions=article.hero_renditions
    )
    files = [article.hero_image.name, *rendition_names(article)]

    with django_capture_on_commit_callbacks(execute=True):
        article.delete()

    assert all(default_storage.exists(name) for name in files)
    assert Article.objects.get(pk=twin.pk).hero_renditions["items"]


def test_renditions_of_an_image_replaced_before_they_were_made_are_not_kept(
    django_capture_on_commit_callbacks,
):
    article = new_article(jpeg_upload(name="first.jpg", size=(1000, 600)))
    with django_capture_on_commit_callbacks() as after_commit:
        article.save()
        article.hero_image = jpeg_upload(name="second.jpg", size=(1000, 600))
        article.save()
    for callback in after_commit:
        callback()

    stored = Article.objects.get(pk=article.pk)
    assert "second" in stored.hero_renditions["source"]
    assert sorted(all_files("renditions")) == sorted(rendition_names(stored))


def all_files(folder):
    folders, files = default_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for sub in folders:
        found += all_files(f"{folder}/{sub}")
    return found


def grainy_photo(width, height):
    """Soft shapes under fine grain, as hard to compress as a high-ISO photo."""
    soft = Image.effect_noise((width // 4, height // 4), 60).convert("RGB")
    soft = soft.resize((width, height)).filter(ImageFilter.GaussianBlur(2))
    return Image.blend(soft, Image.effect_noise((width, height), 40).convert("RGB"), 0.3)


def test_every_rendition_of_a_grainy_photo_keeps_within_the_byte_budget(
    django_capture_on_commit_callbacks,
):
    photo = grainy_photo(1600, 1067)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=95)
    article = new_article(SimpleUploadedFile("grain.jpg", buffer.getvalue()))

    with django_capture_on_commit_callbacks(execute=True):
        article.save()

    budget = 300 * 1024
    sizes = [default_storage.size(name) for name in rendition_names(article)]
    assert len(sizes) == 8 and max(sizes) <= budget
    # At the configured qualities the widest would not have fitted: the budget did the work.
    assert len(renditions._encode(photo, "WEBP", 78)) > budget
    assert len(renditions._encode(photo, "JPEG", 80)) > budget


def test_an_impossible_budget_stops_at_the_quality_floor(settings, monkeypatch):
    settings.EDITORIAL = {**settings.EDITORIAL, "RENDITION_MAX_BYTES": 1}
    qualities = []
    encode = renditions._encode
    monkeypatch.setattr(
        renditions, "_encode", lambda i, f, q: qualities.append(q) or encode(i, f, q)
    )

    data, _, _ = renditions._encode_within_budget(Image.effect_noise((300, 200), 80), "WEBP")

    floor = settings.EDITORIAL["RENDITION_MIN_QUALITY"]["WEBP"]
    assert data and qualities[0] == 78 and qualities[-1] == floor
    assert qualities == sorted(qualities, reverse=True) and len(qualities) <= 4


def test_an_upright_jpeg_loses_its_metadata_without_being_re_encoded():
    upload = jpeg_upload(size=(640, 400), exif=gps_exif(orientation=1))
    original = upload.read()
    with_profile = io.BytesIO()
    Image.open(io.BytesIO(original)).save(
        with_profile, "JPEG", quality=90, exif=gps_exif(), icc_profile=b"\0" * 128 + b"acsp"
    )
    # A phone's second picture after the end of the first, with its own location.
    appended = with_profile.getvalue() + b"\xff\xd8" + gps_exif() + b"\xff\xd9"

    stripped = jpeg_without_metadata(appended)

    image = Image.open(io.BytesIO(stripped))
    assert not image.getexif() and b"Lifescope Camera" not in stripped
    assert image.info.get("icc_profile", b"").endswith(b"acsp")
    assert image.tobytes() == Image.open(io.BytesIO(with_profile.getvalue())).tobytes()


def test_a_damaged_jpeg_is_not_walked():
    assert jpeg_without_metadata(b"\xff\xd8\xff\xe1\xff\xff") is None
    assert jpeg_without_metadata(b"GIF89a") is None


SMALLEST_CASES = [(100, 2, 480), (240, 2, 480), (300, 2, 800), (700, 1, 800), (2000, 2, 1600)]


@pytest.mark.parametrize(("display", "density", "expected"), SMALLEST_CASES)
def test_the_smallest_rendition_that_is_sharp_at_a_display_width(
    display, density, expected, django_capture_on_commit_callbacks
):
    article = new_article(jpeg_upload(size=(2400, 1600)))
    with django_capture_on_commit_callbacks(execute=True):
        article.save()

    chosen = renditions.smallest_rendition(
        article.hero_image, article.hero_renditions, display, density=density
    )

    assert chosen["width"] == expected
    assert chosen["url"].startswith("/media/renditions/") and chosen["url"].endswith(".jpg")
    assert chosen["height"] == round(1600 * expected / 2400)


def test_the_smallest_rendition_is_the_original_until_renditions_exist():
    article = ArticleFactory.build()

    assert renditions.smallest_rendition(article.hero_image, {}, 100) is None
    article = new_article(jpeg_upload(size=(900, 600)))
    article.save()  # its renditions wait for a commit that never comes in this test

    assert renditions.smallest_rendition(
        article.hero_image, article.hero_renditions, 100, size=(900, 600)
    ) == {"url": article.hero_image.url, "width": 900, "height": 600}


def test_the_popular_box_shows_a_small_rendition_not_the_original(
    client, django_capture_on_commit_callbacks
):
    article = new_article(jpeg_upload(size=(2400, 1600)))
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    ArticleDailyViewsFactory(article=article, views=10)
    article.refresh_from_db()
    smallest_jpeg = min(
        (item for item in article.hero_renditions["items"] if item["format"] == "jpeg"),
        key=lambda item: item["width"],
    )

    box = page(client.get("/")).find("section", class_="popular-posts")
    thumbnail = box.find("img")

    assert thumbnail.attrs["src"] == default_storage.url(smallest_jpeg["name"])
    assert thumbnail.attrs["src"] != article.hero_image.url
