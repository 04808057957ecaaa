import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests import signin
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def make_reader(name="Grace Reader", email="grace@example.com", verified=True, **fields):
    """A reader as sign-up makes one: a display name, an address (verified by its link)."""
    user = UserFactory(first_name=name, last_name="", email=email, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def reader(db):
    return make_reader()


def sign_in(client, email, password=PASSWORD):
    """Signs in through allauth's form, as a reader does; returns the response."""
    return signin.sign_in(client, email, password, next_url=None)


@pytest.fixture
def reader_client(reader):
    client = Client()
    response = sign_in(client, reader.email)
    assert response.status_code == 302, response.content[:300]
    return client


def reauthenticate(client, password=PASSWORD):
    """Gives the password again, as allauth asks before a sensitive step (deleting)."""
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content[:300]


@pytest.fixture
def leaving_client(reader_client):
    """A signed-in reader who has just given their password again."""
    reauthenticate(reader_client)
    return reader_client
