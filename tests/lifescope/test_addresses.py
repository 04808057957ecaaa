"""Remembered addresses are the ones reverse() and static() give, under any URL conf or prefix."""

import pytest
from django.templatetags.static import static
from django.urls import set_script_prefix

from lifescope import addresses
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_an_articles_address_follows_the_url_conf_and_the_script_prefix(settings):
    article = ArticleFactory(slug="rain-returns")
    assert article.get_absolute_url() == "/articles/rain-returns/"
    assert article.section.get_absolute_url() == f"/sections/{article.section.slug}/"

    settings.ROOT_URLCONF = "tests.lifescope.prefixed_urls"
    assert article.get_absolute_url() == "/news/articles/rain-returns/"

    settings.ROOT_URLCONF = "lifescope.urls"
    set_script_prefix("/site/")
    try:
        assert article.get_absolute_url() == "/site/articles/rain-returns/"
    finally:
        set_script_prefix("/")


def test_static_addresses_are_djangos():
    assert addresses.static_url("css/site.css") == static("css/site.css")
