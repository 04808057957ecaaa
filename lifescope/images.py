"""Checks that an uploaded file is a real, reasonably sized raster image before it is stored,
and the lossless removal of a JPEG's metadata."""

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


def validate_image_upload(upload, decode=True):
    """Raise ValidationError unless `upload` decodes as an allowed image within the limits.

    Pillow reads only the header first, so a decompression bomb is refused from its declared
    size before any pixel is decoded. A JPEG is decoded at 1/8 scale: every byte is still read,
    so a truncated file is caught, in half the time. `decode=False` checks the header only.
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
                if decode:
                    if image.format == "JPEG":
                        eighth = (max(1, image.width // 8), max(1, image.height // 8))
                        image.draft(image.mode, eighth)
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


# A JPEG's segments that carry no picture: EXIF and XMP (APP1), Photoshop and IPTC (APP13), other
# makers' APPn blocks and comments. Kept: JFIF (APP0), the colour profile (APP2 "ICC_PROFILE")
# and Adobe's colour transform (APP14), which the picture depends on.
_KEPT_APP_SEGMENTS = {0xE0: b"", 0xE2: b"ICC_PROFILE\0", 0xEE: b""}


def jpeg_without_metadata(data):
    """`data` (a JPEG) without its metadata segments, or None when it cannot be walked.

    Lossless and fast: the compressed picture is copied as it is, never decoded. Anything after
    the end of the image goes too (phones append further pictures there, with their own EXIF).
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    kept, position, size = [data[:2]], 2, len(data)
    while position + 1 < size:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image
            kept.append(data[position : position + 2])
            return b"".join(kept)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            kept.append(data[position : position + 2])
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > size:
            return None
        if marker == 0xDA:  # start of scan: compressed data runs to the next real marker
            end = _end_of_scan(data, end)
        prefix = _KEPT_APP_SEGMENTS.get(marker)
        is_metadata = 0xE0 <= marker <= 0xEF or marker == 0xFE
        if not is_metadata or (prefix is not None and data[position + 4 :].startswith(prefix)):
            kept.append(data[position:end])
        position = end
    return None


def _end_of_scan(data, position):
    """Where the marker after the compressed data starting at `position` begins."""
    while True:
        position = data.find(b"\xff", position)
        if position == -1 or position + 1 >= len(data):
            return len(data)
        following = data[position + 1]
        # 0xFF00 is an escaped 0xFF byte of data, 0xFFD0-D7 restart markers inside the scan.
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position += 2
        elif following == 0xFF:
            position += 1
        else:
            return position
