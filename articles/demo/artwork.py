"""Generated hero images for the demo stories, so the demo needs no downloaded pictures."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 800


def hero_image(name, palette):
    """A soft left-to-right gradient with a few rings, as a JPEG ContentFile `name`.jpg."""
    start, end = (_rgb(colour) for colour in palette)
    gradient = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT))
    image = Image.composite(Image.new("RGB", (WIDTH, HEIGHT), end),
                            Image.new("RGB", (WIDTH, HEIGHT), start), gradient)  # fmt: skip
    draw = ImageDraw.Draw(image)
    for step in range(4):
        radius = 140 + step * 90
        centre = (WIDTH * 0.68, HEIGHT * 0.45)
        box = [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius]
        draw.ellipse(box, outline=end, width=6 - step)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{name}.jpg")


def portrait(name, palette, size=480):
    """A head-and-shoulders silhouette on a gradient, as a JPEG ContentFile `name`.jpg."""
    background, figure = (_rgb(colour) for colour in palette)
    gradient = Image.linear_gradient("L").resize((size, size))
    image = Image.composite(Image.new("RGB", (size, size), _mix(background, figure)),
                            Image.new("RGB", (size, size), background), gradient)  # fmt: skip
    draw = ImageDraw.Draw(image)
    head = size * 0.19
    draw.ellipse([size / 2 - head, size * 0.2, size / 2 + head, size * 0.2 + 2 * head], fill=figure)
    draw.ellipse([size * 0.16, size * 0.64, size * 0.84, size * 1.3], fill=figure)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{name}.jpg")


def _mix(first, second):
    return tuple((a * 3 + b) // 4 for a, b in zip(first, second, strict=True))


def _rgb(hex_colour):
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))
