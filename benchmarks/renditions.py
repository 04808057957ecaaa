"""Saves an article with a ~10 MB camera-sized hero image and prints what it costs.

    python -m benchmarks.renditions

Not a test: it prints figures. The image is 6000×4000 JPEG noise (so it really is ~10 MB) with
EXIF location and an orientation tag, as a phone photo would have, so the save also strips the
original. Runs in a temporary folder with its own SQLite database and media; nothing is kept.
"""

import io
import os
import sys
import tempfile
import time

WIDTH, HEIGHT = 6000, 4000


def noisy_photo():
    """A JPEG of ~10 MB: fine noise over soft shapes, as hard to compress as a real photo."""
    from PIL import ExifTags, Image, ImageDraw, ImageFilter

    image = Image.effect_noise((WIDTH // 4, HEIGHT // 4), 60).convert("RGB")
    image = image.resize((WIDTH, HEIGHT)).filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for step in range(12):
        draw.ellipse([step * 400, step * 250, step * 400 + 1800, step * 250 + 1400],
                     outline=(40 + step * 15, 90, 200 - step * 10), width=40)  # fmt: skip
    grain = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    image = Image.blend(image, grain, 0.3)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0)}
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=93, exif=exif.tobytes())
    return buffer.getvalue()


def main():
    folder = tempfile.mkdtemp(prefix="lifescope-bench-renditions-")
    os.environ["LIFESCOPE_VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    settings.MEDIA_ROOT = os.path.join(folder, "media")
    call_command("migrate", verbosity=0)

    from articles.models import Article, Section
    from lifescope.images import validate_image_upload
    from tests.factories import EditorFactory

    content = noisy_photo()
    upload = SimpleUploadedFile("harbour.jpg", content, content_type="image/jpeg")
    print(f"Original: {WIDTH}×{HEIGHT} JPEG, {len(content) / 1024 / 1024:.1f} MB")

    started, started_cpu = time.perf_counter(), time.process_time()
    validate_image_upload(upload)  # what the admin form does first
    validated, validated_cpu = time.perf_counter(), time.process_time()
    article = Article(
        title="Harbour at dawn",
        body="<p>A picture.</p>",
        section=Section.objects.create(name="Bench", slug="bench"),
        author=EditorFactory(username="bench-editor"),
        hero_image=upload,
        hero_alt="The harbour at dawn",
    )
    article.save()
    saved, saved_cpu = time.perf_counter(), time.process_time()

    storage = article.hero_image.storage
    print(f"Form validation: {validated - started:.2f} s (CPU {validated_cpu - started_cpu:.2f} s)")
    print(
        f"Save (check again, strip original, make renditions, store): "
        f"{saved - validated:.2f} s (CPU {saved_cpu - validated_cpu:.2f} s)"
    )
    original_kb = storage.size(article.hero_image.name) / 1024
    print(f"Stored original, EXIF stripped: {original_kb:,.0f} KB")
    print(f"{'rendition':<34}{'size':>10}{'KB':>9}")
    largest = 0
    for item in article.hero_renditions["items"]:
        kb = storage.size(item["name"]) / 1024
        largest = max(largest, kb)
        name = os.path.basename(item["name"])
        print(f"{name:<34}{item['width']:>5}×{item['height']:<5}{kb:>8.0f}")
    print(f"Largest rendition: {largest:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
