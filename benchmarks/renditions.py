"""Saves an article with a ~10 MB camera-sized hero image and prints what it costs.

    python -m benchmarks.renditions

Not a test: it prints figures. The image is 6000×4000 JPEG noise (so it really is ~10 MB) with
EXIF location and an orientation tag, as a phone photo would have, so the save also strips the
original. The save runs in a transaction, as the admin's does: the figures show how long it
holds the database's write lock, and how long the renditions then take after the commit.
Runs in a temporary folder with its own SQLite database and media; nothing is kept.
"""

import io
import os
import sys
import tempfile
import time

WIDTH, HEIGHT = 6000, 4000


def noisy_photos():
    """Two JPEGs of ~10 MB, upright and tagged to rotate: fine noise over soft shapes, as hard
    to compress as a real photo."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.effect_noise((WIDTH // 4, HEIGHT // 4), 60).convert("RGB")
    image = image.resize((WIDTH, HEIGHT)).filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for step in range(12):
        draw.ellipse([step * 400, step * 250, step * 400 + 1800, step * 250 + 1400],
                     outline=(40 + step * 15, 90, 200 - step * 10), width=40)  # fmt: skip
    grain = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    image = Image.blend(image, grain, 0.3)
    return [_jpeg(image, orientation) for orientation in (1, 6)]


def _jpeg(image, orientation):
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0)}
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=93, exif=exif.tobytes())
    return buffer.getvalue()


def timed_save(content, name, section, author):
    """Validate and save as the admin does; return (article, {step: seconds})."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from articles.models import Article
    from lifescope.images import validate_image_upload

    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    started = time.perf_counter()
    validate_image_upload(upload)  # what the admin form does first
    validated = time.perf_counter()
    article = Article(title=name, body="<p>A picture.</p>", section=section, author=author,
                      hero_image=upload, hero_alt="The harbour at dawn")  # fmt: skip
    marks = {}
    with transaction.atomic():
        began = time.perf_counter()
        # Registered first, so it runs first after the commit, before the renditions.
        transaction.on_commit(lambda: marks.setdefault("committed", time.perf_counter()))
        article.save()
        marks["saved"] = time.perf_counter()
    done = time.perf_counter()
    return article, {
        "Form validation (the admin runs it inside its transaction too)": validated - started,
        "Save inside the transaction: check, strip metadata, store": marks["saved"] - began,
        "Write lock held by the save, BEGIN to COMMIT": marks["committed"] - began,
        "Renditions after the commit: decode, resize, encode, store": done - marks["committed"],
        "Whole save, validation to renditions recorded": done - started,
    }


def main():
    folder = tempfile.mkdtemp(prefix="lifescope-bench-renditions-")
    os.environ["LIFESCOPE_VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = os.path.join(folder, "media")
    call_command("migrate", verbosity=0)

    from articles.models import Article, Section
    from tests.factories import EditorFactory

    section = Section.objects.create(name="Bench", slug="bench")
    author = EditorFactory(username="bench-editor")
    upright, rotated = noisy_photos()
    print(f"Original: {WIDTH}×{HEIGHT} JPEG, {len(upright) / 1024 / 1024:.1f} MB, EXIF location")

    budget_kb = settings.EDITORIAL["RENDITION_MAX_BYTES"] / 1024
    for label, content in (("Upright photo", upright), ("Photo tagged to rotate", rotated)):
        article, figures = timed_save(content, f"{label.split()[0].lower()}.jpg", section, author)
        print(f"\n{label} (EXIF orientation {1 if content is upright else 6}):")
        for step, seconds in figures.items():
            print(f"  {step:<64}{seconds:6.2f} s")
        storage = article.hero_image.storage
        original_kb = storage.size(article.hero_image.name) / 1024
        print(f"  Stored original, EXIF stripped: {original_kb:,.0f} KB")
        print(f"  {'rendition':<32}{'size':>10}{'KB':>9}   (budget {budget_kb:.0f} KB each)")
        for item in Article.objects.get(pk=article.pk).hero_renditions["items"]:
            kb = storage.size(item["name"]) / 1024
            name = os.path.basename(item["name"])
            print(f"  {name:<32}{item['width']:>5}×{item['height']:<5}{kb:>8.0f}")
    print(f"Load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
