"""Every page tells the browser how little it may do: the headers of issue 8."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse

from lifescope.security import permissions_policy_header
from tests.factories import ArticleFactory, StaffFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pages(db):
    article = ArticleFactory()
    return {
        "front page": reverse("articles:front_page"),
        "article": article.get_absolute_url(),
        "sign-in": reverse("account_login"),
    }


def csp_directives(response):
    """{'default-src': ["'self'"], ...} from the Content-Security-Policy header."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("page", ["front page", "article", "sign-in"])
def test_every_page_sends_a_strict_content_security_policy(client, pages, page):
    response = client.get(pages[page])

    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    # Scripts only from this site; an inline one needs the nonce of this very response.
    assert directives["script-src"][0] == "'self'"
    assert all(v == "'self'" or v.startswith("'nonce-") for v in directives["script-src"])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.parametrize("page", ["front page", "article", "sign-in"])
def test_every_page_sends_the_other_security_headers(client, pages, page):
    response = client.get(pages[page])

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "browsing-topics"):
        assert f"{feature}=()" in policy


def test_the_admin_behind_the_login_sends_the_same_headers(client, db):
    client.force_login(StaffFactory(is_superuser=True))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert csp_directives(response)["default-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_an_inline_script_nonce_is_fresh_for_every_response(rf):
    def nonce():
        request = rf.get("/")
        middleware = CSPMiddleware(lambda request: HttpResponse())
        middleware.process_request(request)
        str(request.csp_nonce)  # a template asking for the nonce puts it in the header
        response = middleware.process_response(request, HttpResponse())
        return csp_directives(response)["script-src"][1]

    first, second = nonce(), nonce()
    assert first.startswith("'nonce-") and second.startswith("'nonce-")
    assert first != second


def test_permissions_policy_header_format():
    header = permissions_policy_header({"camera": [], "fullscreen": ["self"]})

    assert header == "camera=(), fullscreen=(self)"


@pytest.mark.parametrize("page", ["front page", "article"])
@override_settings(
    SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True
)
def test_hsts_is_sent_over_https_only(client, pages, page):
    over_https = client.get(pages[page], secure=True)
    over_http = client.get(pages[page])

    assert over_https["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "Strict-Transport-Security" not in over_http


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_and_csrf_cookies_are_secure_and_the_session_one_http_only(client, db):
    StaffFactory(username="desk", is_superuser=True)
    login_url = reverse("account_login")

    form = client.get(login_url, secure=True)
    response = client.post(
        login_url,
        {
            "login": "desk@example.com",
            "password": "correct horse battery",
            "csrfmiddlewaretoken": form.cookies["csrftoken"].value,
        },
        secure=True,
    )

    assert response.status_code == 302
    session, csrf = response.cookies["sessionid"], form.cookies["csrftoken"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert csrf["secure"] is True


def test_production_defaults_turn_on_https_only_settings():
    """With DEBUG off and nothing overridden, cookies are secure and HSTS lasts a year."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_SETTINGS_MODULE="lifescope.settings",
    )
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
    }
