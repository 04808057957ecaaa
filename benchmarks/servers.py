"""What every benchmark server needs: production settings on loopback, a migrated database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def server_environment(var_dir, cache_prefix):
    """Production settings for a loopback server whose data lives in `var_dir`."""
    return {
        "DJANGO_SETTINGS_MODULE": "lifescope.settings",
        "DJANGO_SECRET_KEY": "benchmark-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "LIFESCOPE_VAR_DIR": str(var_dir),
        "LIFESCOPE_TRUSTED_PROXIES": "127.0.0.1",
        "LIFESCOPE_CACHE_PREFIX": cache_prefix,
    }


def prepare(env):
    """Migrates and collects static files for `env`, then sets Django up in this process."""
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            manage + command, cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True
        )
    import django

    django.setup()
