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


def probe(var_dir, script=PROBE, **env):
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
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
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


# Google's answer as allauth's provider receives it after the token exchange (made up here:
# nothing leaves the machine), through allauth's own completion of a social sign-in.
RETURN_FROM_GOOGLE = """
import json, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from allauth.account.models import EmailAddress
from allauth.account.utils import user_display
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal.flows.login import complete_login
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/accounts/google/login/callback/")
SessionMiddleware(lambda r: None).process_request(request)
MessageMiddleware(lambda r: None).process_request(request)
request.user = AnonymousUser()
with context.request_context(request):
    provider = get_adapter().get_provider(request, "google")
    login = provider.sociallogin_from_response(request, {
        "sub": "1234", "email": "gina@gmail.com", "email_verified": True,
        "given_name": "Gina", "family_name": "Lopez", "name": "Gina Lopez"})
    login.state = {"process": "login", "next": "/"}
    response = complete_login(request, login)
user = get_user_model().objects.get()
print(json.dumps({
    "status": response.status_code, "location": response.get("Location"),
    "shown": user_display(user),
    "addresses": list(EmailAddress.objects.values_list("email", "verified", "primary")),
}))
"""


def test_a_reader_returning_from_google_gets_an_account_with_its_verified_address_and_name(
    tmp_path,
):
    found = probe(
        tmp_path,
        RETURN_FROM_GOOGLE,
        LIFESCOPE_GOOGLE_CLIENT_ID="id.apps.example",
        LIFESCOPE_GOOGLE_CLIENT_SECRET="s",
    )
    assert (found["status"], found["location"]) == (302, "/")
    assert found["shown"] == "Gina Lopez"
    assert found["addresses"] == [["gina@gmail.com", True, True]]


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
