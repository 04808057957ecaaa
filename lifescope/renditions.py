"""Resized copies of an uploaded image, made once when it is saved and recorded on its owner.

`renditions()` is the only way in. Pages read the record it returns (names, sizes, formats), so
serving an image costs neither a storage call nor a query. Files go through the field's storage
only, so an object store can replace the local disk without changing this module.
"""

import io
import posixpath
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from lifescope.images import validate_image_upload

# Where a camera or an editing program leaves who, when and where a picture was taken.
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")
EXTENSIONS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}


def renditions(image, recorded=None):
    """Return the record of `image`'s renditions, making them unless `recorded` already fits.

    `image` is an ImageField's file. A new upload is checked with the same rules as the form,
    stripped of its metadata (EXIF location included; the orientation is applied to the pixels
    first) and stored; then each configured width no wider than the original is written as WebP
    plus a JPEG fallback (PNG when the image has transparency). Nothing is written until every
    file has been made in memory, and a failed write removes what was written before it.

    The record is `{"source": name, "width", "height", "items": [{"name", "width", "height",
    "format"}, ...]}` (the first width and height are the stored original's, upright), or `{}`
    when there is no image. Pass `recorded=None` to rebuild.
    """
    if not image:
        return {}
    if recorded and image._committed and recorded.get("source") == image.name:
        return recorded

    content, name = _read(image)
    original, cleaned = _decode_and_clean(content, name)
    base = _rendition_base(original)
    made, source = [], base
    # Largest first, each from the one before: far less work than resizing the full original
    # every time, and at 1.3–1.7× steps LANCZOS loses nothing visible.
    for width in sorted(_widths(base.width), reverse=True):
        source = _resize(source, width)
        made[:0] = [_encode(source, fmt) for fmt in _formats(base)]

    storage = image.storage
    if not image._committed or cleaned is not None:
        if image._committed:
            storage.delete(image.name)
        image.save(posixpath.basename(name), ContentFile(cleaned or content), save=False)

    stem, _ = posixpath.splitext(image.name)
    items, written = [], []
    try:
        for data, width, height, fmt in made:
            target = f"renditions/{stem}-{width}w.{EXTENSIONS[fmt]}"
            # Names follow the (unique) original's, so a file already there is a stale copy.
            if storage.exists(target):
                storage.delete(target)
            written.append(storage.save(target, ContentFile(data)))
            items.append(
                {"name": written[-1], "width": width, "height": height, "format": fmt.lower()}
            )
    except Exception:
        for stored in written:
            storage.delete(stored)
        raise
    return {"source": image.name, "width": base.width, "height": base.height, "items": items}


def _read(image):
    if image._committed:
        with image.storage.open(image.name, "rb") as stored:
            return stored.read(), image.name
    image.file.seek(0)
    content = image.file.read()
    upload = ContentFile(content, name=posixpath.basename(image.name))
    validate_image_upload(upload)
    return content, image.name


def _decode_and_clean(content, name):
    """Decode `content`; return (upright image, metadata-free bytes or None if already clean)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in settings.LIFESCOPE["HERO_IMAGE_FORMATS"]:
                raise ValidationError(f"{name} is not an accepted image format.")
            _check_pixels(image, name)
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            has_metadata = bool(exif) or any(key in image.info for key in METADATA_KEYS)
            if image.format == "PNG" and getattr(image, "text", None):
                has_metadata = True
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(f"{name} has too many pixels to be processed safely.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(f"{name} is not a readable image.") from None

    if image.format == "GIF" or not (has_metadata or orientation != 1):
        return image, None
    options = {"icc_profile": image.info.get("icc_profile")}
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
    return upright, buffer.getvalue()


def _check_pixels(image, name):
    width, height = image.size
    if width * height > settings.LIFESCOPE["HERO_IMAGE_MAX_PIXELS"]:
        raise ValidationError(f"{name} has too many pixels to be processed safely.")


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


def _resize(image, width):
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image, fmt):
    quality = settings.EDITORIAL["RENDITION_QUALITY"]
    buffer = io.BytesIO()
    if fmt == "WEBP":
        image.save(buffer, "WEBP", quality=quality["WEBP"], method=4)
    elif fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality["JPEG"], optimize=True, progressive=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), image.width, image.height, fmt
