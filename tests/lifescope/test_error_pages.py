import pytest
from django.test import Client
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_non_numeric_page_is_a_bad_request_with_a_readable_page(client):
    response = client.get("/?page=abc")
    assert response.status_code == 400
    assert "That link doesn’t look right" in response.content.decode()


def test_server_error_page_needs_no_database_and_explains(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_a_form_without_its_csrf_token_gets_the_friendly_page(settings):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()
