"""Sign-in with Google is off unless configured, and configured from the environment alone.
Each case runs in a process of its own (the provider is an installed app); nothing in it goes
beyond this machine: the pages are rendered, no request is made to Google."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.apps import apps
from django.conf import settings
from django.test import Client
login = Client().get("/accounts/login/")
confirm = Client().get("/accounts/google/login/") if apps.is_installed(
    "allauth.socialaccount.providers.google") else None
print(json.dumps({
    "installed": apps.is_installed("allauth.socialaccount.providers.google"),
    "button": "/accounts/google/login/" in login.content.decode(),
    "status": login.status_code,
    "confirm": confirm.status_code if confirm else None,
    "csp": login.get("Content-Security-Policy", ""),
}))
"""


def probe(var_dir, **env):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LIFESCOPE_"))
    }
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    environment.update(
        DJANGO_SETTINGS_MODULE="lifescope.settings_test",
        LIFESCOPE_VAR_DIR=str(var_dir),
        **env,
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_google_button_unless_configured(tmp_path):
    found = probe(tmp_path)
    assert found["status"] == 200
    assert not found["installed"] and not found["button"]
    assert "accounts.google.com" not in found["csp"]


def test_google_sign_in_from_the_environment(tmp_path):
    found = probe(
        tmp_path, LIFESCOPE_GOOGLE_CLIENT_ID="id.apps.example", LIFESCOPE_GOOGLE_CLIENT_SECRET="s"
    )
    assert found["installed"] and found["button"]
    # allauth asks before leaving for Google (a POST), and the CSP lets that post go on there.
    assert found["confirm"] == 200
    assert "form-action 'self' https://accounts.google.com" in found["csp"]


def test_a_client_id_without_its_secret_stops_the_start():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LIFESCOPE_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="lifescope.settings_test", LIFESCOPE_GOOGLE_CLIENT_ID="x"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "LIFESCOPE_GOOGLE_CLIENT_SECRET" in result.stderr
