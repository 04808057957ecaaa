"""An uploaded image: cleaned when it is saved, resized copies made once the save is committed.

Three steps, each cheap where it has to be:

- `store_upload()` runs inside the model's save: a header check, the metadata (EXIF location
  included) stripped, the original stored. An upright JPEG is stripped losslessly by dropping
  its metadata segments, so the save transaction never decodes the pixels of a 10 MB photo.
- `renew_after_commit()` arranges, with `transaction.on_commit`, for the renditions to be made
  (`make_renditions()`: each configured width as WebP plus a JPEG/PNG fallback, each within a
  byte budget) and recorded, and for the renditions of the image it replaced to be deleted.
  Until they exist, pages show the original at its known width and height. A failure is logged;
  the saved article stays, and `manage.py build_renditions` makes what is missing.
- `smallest_rendition()` and the record give pages names and sizes with no query or storage call.

Files go through the field's storage only, so an object store can replace the local disk.
"""

import io
import logging
import math
import posixpath
import warnings
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from lifescope import page_cache
from lifescope.images import jpeg_without_metadata, validate_image_upload

logger = logging.getLogger(__name__)

# Where a camera or an editing program leaves who, when and where a picture was taken.
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")
EXTENSIONS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}
ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def store_upload(image):
    """Check a new upload, strip its metadata and store it; return its upright (width, height).

    Returns None when `image` is empty or already stored. Raises ValidationError before
    anything is stored. Only the header is checked here (the admin form has read the whole
    file already); the pixels are decoded only when the picture must be turned upright.
    """
    if not image or image._committed:
        return None
    image.file.seek(0)
    content = image.file.read()
    name = posixpath.basename(image.name)
    validate_image_upload(ContentFile(content, name=name), decode=False)
    cleaned, size = _without_metadata(content, name)
    image.save(name, ContentFile(cleaned), save=False)
    return size


def renew_after_commit(instance, field_name, record_name, page=None):
    """Call in save(): when the image changed, renew its renditions once the save is committed.
    `page()` names the page-cache page that shows them, retired once they are recorded.

    The record is emptied now (pages show the original meanwhile); after the commit the
    renditions of the image it replaced are deleted, and new ones are made and recorded with a
    conditional UPDATE naming the image they were made from, so a later save that changed the
    image again is never overwritten, and `updated_at` stays as it was. Renditions of an image
    another row still uses are kept; a record made since `instance` was loaded is reused.
    """
    model, image = type(instance), getattr(instance, field_name)
    storage, name = image.storage, image.name
    if getattr(instance, record_name).get("source") == (name or None):
        return
    stored = model._default_manager.filter(pk=instance.pk).values_list(record_name, flat=True)
    old = (stored.first() if instance.pk else None) or getattr(instance, record_name)
    if name and old.get("source") == name:
        setattr(instance, record_name, old)
        return
    setattr(instance, record_name, {})

    def build():
        manager = model._default_manager
        old_source = old.get("source")
        if old_source and not manager.filter(**{field_name: old_source}).exists():
            discard(storage, old)
        if not name:
            return
        try:
            record = make_renditions(storage, name)
        except Exception:
            logger.exception("Could not make renditions of %s; the page shows the original", name)
            return
        if manager.filter(pk=instance.pk, **{field_name: name}).update(**{record_name: record}):
            if getattr(instance, field_name).name == name:
                setattr(instance, record_name, record)
            if page:
                page_cache.retire([page()])
        else:
            discard(storage, record)

    # Robust: whatever fails after the commit is logged; the editor's save has succeeded.
    transaction.on_commit(build, robust=True)


def discard_after_commit(instance, field_name, record, original=False):
    """After the commit, delete the image's renditions (and itself) unless a row still uses it."""
    model, image = type(instance), getattr(instance, field_name)
    storage, name = image.storage, image.name

    def delete():
        if model._default_manager.filter(**{field_name: name}).exists():
            return
        if record.get("source") == name:
            discard(storage, record)
        if original:
            storage.delete(name)

    transaction.on_commit(delete, robust=True)


def discard(storage, record):
    """Delete the files `record` lists, through `storage`; missing ones are no error."""
    for item in record.get("items", ()):
        storage.delete(item["name"])


def make_renditions(storage, name):
    """Make the renditions of the stored image `name`; return their record.

    Each configured width no wider than the original is written as WebP plus a JPEG fallback
    (PNG when the image has transparency), each at most RENDITION_MAX_BYTES when quality allows.
    Nothing is written until every file has been made in memory, and a failed write removes
    what was written before it.

    The record is `{"source": name, "width", "height", "items": [{"name", "width", "height",
    "format"}, ...]}`; the first width and height are the original's, upright.
    """
    with storage.open(name, "rb") as stored:
        content = stored.read()
    upright, width, height = _decode_for_renditions(content, name)
    base = _rendition_base(upright)
    made, source = [], base
    # Largest first, each from the one before: far less work than resizing the full original
    # every time, and at 1.3–1.7× steps LANCZOS loses nothing visible.
    for target in sorted(_widths(width), reverse=True):
        source = _resize(source, target, max(1, round(height * target / width)))
        made[:0] = [_encode_within_budget(source, fmt) for fmt in _formats(base)]

    stem, _ = posixpath.splitext(name)
    items, written = [], []
    try:
        for data, fmt, image in made:
            target = f"renditions/{stem}-{image.width}w.{EXTENSIONS[fmt]}"
            # Names follow the (unique) original's, so a file already there is a stale copy.
            if storage.exists(target):
                storage.delete(target)
            written.append(storage.save(target, ContentFile(data)))
            items.append(
                {
                    "name": written[-1],
                    "width": image.width,
                    "height": image.height,
                    "format": fmt.lower(),
                }
            )
    except Exception:
        for stored_name in written:
            storage.delete(stored_name)
        raise
    return {"source": name, "width": width, "height": height, "items": items}


def smallest_rendition(image, record, display_width, *, size=None, density=2):
    """What to show `image` with at `display_width` CSS pixels: {"url", "width", "height"}.

    The narrowest JPEG/PNG rendition at least `display_width` × `density` pixels wide (the
    widest when none is), or the original with `size` (its (width, height)) while renditions
    are not made yet; None without an image. Costs no query and no storage call.
    """
    if not image:
        return None
    fallback = [item for item in record.get("items", ()) if item["format"] != "webp"]
    if record.get("source") != image.name or not fallback:
        width, height = size or (None, None)
        return {"url": image.url, "width": width, "height": height}
    wanted = display_width * density
    chosen = next((item for item in fallback if item["width"] >= wanted), fallback[-1])
    return {
        "url": image.storage.url(chosen["name"]),
        "width": chosen["width"],
        "height": chosen["height"],
    }


def _without_metadata(content, name):
    """(`content` without metadata, upright (width, height)); `content` itself if it has none."""
    with _opened(content, name) as image:
        exif = image.getexif()
        orientation = exif.get(ExifTags.Base.Orientation, 1)
        has_metadata = bool(exif) or any(key in image.info for key in METADATA_KEYS)
        if image.format == "PNG" and getattr(image, "text", None):
            has_metadata = True
        size = image.size[::-1] if orientation in ROTATED else image.size
        if image.format == "GIF" or not (has_metadata or orientation != 1):
            return content, size
        if image.format == "JPEG" and orientation == 1:
            stripped = jpeg_without_metadata(content)
            if stripped is not None:
                return stripped, size
        return _reencoded_upright(image, orientation, name), size


def _reencoded_upright(image, orientation, name):
    options = {"icc_profile": image.info.get("icc_profile")}
    with _readable(name):
        image.load()
    if orientation == 1:
        upright = image
        if image.format == "JPEG":
            # Re-use the file's own quantisation tables: no visible loss from the re-encode.
            options.update(quality="keep", subsampling="keep")
    else:
        upright = ImageOps.exif_transpose(image)
        options.update(quality=92)
    if image.format == "WEBP":
        options.update(quality=92)
    buffer = io.BytesIO()
    # Saved without `exif=`: Pillow then writes none, and the location goes with it.
    upright.save(buffer, image.format, **options)
    return buffer.getvalue()


def _decode_for_renditions(content, name):
    """(upright image at no less than the largest rendition's size, original width, height)."""
    image = _opened(content, name)
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    width, height = image.size[::-1] if orientation in ROTATED else image.size
    if image.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 scale when the largest rendition still fits: far less work
        # for a camera-sized original, and the DCT scaling loses nothing LANCZOS would keep.
        scale = max(_widths(width)) / width
        image.draft(image.mode, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    with _readable(name):
        image.load()
    return ImageOps.exif_transpose(image), width, height


def _opened(content, name):
    with _readable(name):
        image = Image.open(io.BytesIO(content))
        if image.format not in settings.LIFESCOPE["HERO_IMAGE_FORMATS"]:
            raise ValidationError(f"{name} is not an accepted image format.")
        width, height = image.size
        if width * height > settings.LIFESCOPE["HERO_IMAGE_MAX_PIXELS"]:
            raise ValidationError(f"{name} has too many pixels to be processed safely.")
    return image


@contextmanager
def _readable(name):
    """Turns Pillow's ways of refusing a file into one ValidationError naming it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(f"{name} has too many pixels to be processed safely.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(f"{name} is not a readable image.") from None


def _rendition_base(image):
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _widths(original_width):
    """Each configured width narrower than the original, plus the original's when it is small."""
    targets = settings.EDITORIAL["RENDITION_WIDTHS"]
    widths = [width for width in targets if width <= original_width]
    if original_width < max(targets) and original_width not in widths:
        widths.append(original_width)
    return sorted(widths)


def _formats(base):
    return ("WEBP", "PNG" if base.mode == "RGBA" else "JPEG")


def _resize(image, width, height):
    if (width, height) == image.size:
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_within_budget(image, fmt):
    """(bytes, format, image) at the configured quality, lowered until within the byte budget.

    Photographs fit at the configured quality; only very grainy ones step down, by an amount
    guessed from how far over budget the last try was, never below the floor.
    """
    options = settings.EDITORIAL
    budget = options["RENDITION_MAX_BYTES"]
    quality = options["RENDITION_QUALITY"].get(fmt)
    floor = options["RENDITION_MIN_QUALITY"].get(fmt)
    data = _encode(image, fmt, quality)
    while quality is not None and len(data) > budget and quality > floor:
        quality = max(floor, quality - min(30, max(4, round(60 * (len(data) / budget - 1)))))
        data = _encode(image, fmt, quality)
    return data, fmt, image


def _encode(image, fmt, quality):
    buffer = io.BytesIO()
    if fmt == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=4)
    elif fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
