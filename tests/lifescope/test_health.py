import json

import pytest

from lifescope import health

pytestmark = pytest.mark.django_db


def test_healthy_site_answers_ok_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_failing_database_makes_the_load_balancer_look_elsewhere(client, monkeypatch):
    def broken_database():
        raise ConnectionError("database unreachable")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "failing",
        "database": "failing",
        "cache": "ok",
    }


def test_a_failing_cache_is_reported_but_keeps_the_host_in_service(client, monkeypatch):
    # Every host shares the cache: failing them all for it would take the whole site down.
    def broken_cache():
        raise ConnectionError("cache unreachable")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "cache": "failing",
    }


def test_health_probe_over_plain_http_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
