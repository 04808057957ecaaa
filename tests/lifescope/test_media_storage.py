"""Media go to S3-compatible object storage when a bucket is named, local files otherwise."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); "
    "from django.conf import settings; from django.core.files.storage import default_storage; "
    "default_storage._setup(); "
    "print(type(default_storage._wrapped).__name__, default_storage.url('heroes/a.jpg'), "
    "settings.SERVE_MEDIA)"
)


def probe(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LIFESCOPE_S3")}
    environment.update(DJANGO_SETTINGS_MODULE="lifescope.settings", DJANGO_DEBUG="1", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_local_files_by_default():
    assert probe() == ["FileSystemStorage", "/media/heroes/a.jpg", "True"]


def test_a_named_bucket_puts_media_on_object_storage():
    assert probe(
        LIFESCOPE_S3_BUCKET="lifescope-media",
        LIFESCOPE_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        LIFESCOPE_S3_CUSTOM_DOMAIN="media.example.com",
    ) == ["S3Storage", "https://media.example.com/heroes/a.jpg", "False"]
