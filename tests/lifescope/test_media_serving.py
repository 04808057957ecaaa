"""Uploads served by Django itself (SERVE_MEDIA): found, or simply not found."""

import pytest

from tests.factories import ArticleWithImageFactory

pytestmark = pytest.mark.django_db


def test_an_upload_is_served(client):
    article = ArticleWithImageFactory()

    response = client.get(article.hero_image.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "path",
    [
        "heroes/missing.jpg",
        # Longer than a file name or a path may be: the file system said ENAMETOOLONG, a 500.
        "9" * 300,
        "9" * 5000,
        "a/" * 2500,
    ],
    ids=["missing", "long name", "longer path", "deep path"],
)
def test_an_address_no_file_can_have_is_not_found(client, path):
    assert client.get(f"/media/{path}").status_code == 404


def test_a_path_out_of_the_media_folder_is_a_bad_request(client):
    assert client.get("/media/..%2F..%2Fetc%2Fpasswd").status_code == 400
