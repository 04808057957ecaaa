import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lifescope.images import validate_image_upload
from tests.factories import image_bytes, image_upload


def error_code(upload):
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload)
    return caught.value.code


def test_a_real_jpeg_passes_and_is_left_readable_from_the_start():
    upload = image_upload("photo.jpg")
    validate_image_upload(upload)
    assert upload.tell() == 0


@pytest.mark.parametrize("image_format, name", [("PNG", "a.png"), ("WEBP", "a.webp")])
def test_other_web_formats_pass(image_format, name):
    validate_image_upload(image_upload(name, image_format=image_format))


def test_text_file_renamed_as_image_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    assert error_code(upload) == "invalid_image"


def test_truncated_image_is_refused():
    data = image_bytes(size=(400, 400))
    upload = SimpleUploadedFile("photo.jpg", data[: len(data) // 2], content_type="image/jpeg")
    assert error_code(upload) == "invalid_image"


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert error_code(SimpleUploadedFile("x.svg", svg, content_type="image/svg+xml")) == (
        "invalid_image"
    )


def test_extension_that_lies_about_the_format_is_refused():
    upload = SimpleUploadedFile("photo.jpg", image_bytes(image_format="PNG"))
    assert error_code(upload) == "extension_mismatch"


def test_disallowed_format_is_refused():
    upload = SimpleUploadedFile("photo.bmp", image_bytes(image_format="BMP"))
    assert error_code(upload) == "invalid_format"


def test_oversized_file_is_refused(settings):
    settings.LIFESCOPE = {**settings.LIFESCOPE, "HERO_IMAGE_MAX_BYTES": 100}
    assert error_code(image_upload()) == "file_too_large"


def test_decompression_bomb_is_refused_from_its_header(settings):
    settings.LIFESCOPE = {**settings.LIFESCOPE, "HERO_IMAGE_MAX_PIXELS": 1_000_000}
    # A 3,000×3,000 single-colour PNG compresses to a few KB but would decode to 27 MB.
    upload = SimpleUploadedFile("bomb.png", image_bytes(size=(3000, 3000), image_format="PNG"))
    assert upload.size < 100_000
    assert error_code(upload) == "too_many_pixels"
