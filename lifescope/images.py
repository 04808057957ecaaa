"""Checks that an uploaded file is a real, reasonably sized raster image before it is stored."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

EXTENSIONS_BY_FORMAT = {
    "JPEG": {"jpg", "jpeg"},
    "PNG": {"png"},
    "WEBP": {"webp"},
    "GIF": {"gif"},
}


def validate_image_upload(upload):
    """Raise ValidationError unless `upload` decodes as an allowed image within the limits.

    Pillow reads only the header first, so a decompression bomb is refused from its declared
    size before any pixel is decoded.
    """
    limits = settings.LIFESCOPE
    if upload.size > limits["HERO_IMAGE_MAX_BYTES"]:
        raise ValidationError(
            "The image is %(size)s; the largest accepted is %(limit)s.",
            code="file_too_large",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limits["HERO_IMAGE_MAX_BYTES"]),
            },
        )
    position = upload.tell() if hasattr(upload, "tell") else None
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                _check_format_and_size(image, upload.name, limits)
                image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(
            "The image has too many pixels to be processed safely.", code="too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "The file is not a readable image, or it is damaged or incomplete.",
            code="invalid_image",
        ) from None
    finally:
        if position is not None:
            upload.seek(position)


def _check_format_and_size(image, filename, limits):
    allowed = limits["HERO_IMAGE_FORMATS"]
    if image.format not in allowed:
        raise ValidationError(
            "Images must be %(allowed)s; this file is %(found)s.",
            code="invalid_format",
            params={"allowed": ", ".join(allowed), "found": image.format or "unknown"},
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS_BY_FORMAT[image.format]:
        raise ValidationError(
            "The file is named .%(extension)s but contains a %(found)s image.",
            code="extension_mismatch",
            params={"extension": extension or "(none)", "found": image.format},
        )
    width, height = image.size
    if width * height > limits["HERO_IMAGE_MAX_PIXELS"]:
        raise ValidationError(
            "The image is %(width)s×%(height)s pixels; the most accepted is %(limit)s megapixels.",
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "limit": limits["HERO_IMAGE_MAX_PIXELS"] // 1_000_000,
            },
        )
