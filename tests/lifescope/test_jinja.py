"""The public pages' template helpers print what Django's own filters printed before them."""

from datetime import UTC, date, datetime

import pytest
from django.template.defaultfilters import date as django_date
from django.template.defaultfilters import floatformat, pluralize, truncatechars
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone

from lifescope import jinja2 as helpers

MOMENTS = [
    datetime(2026, 1, 5, 7, 3, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC),
    datetime(2025, 12, 31, 0, 0, tzinfo=UTC),
]
FORMATS = ["c", "j F Y", "j F Y, H:i", "j F Y, H:i e", "Y", "F Y", "F"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Bogota"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_dates_read_as_djangos_date_filter_wrote_them(settings, zone, moment):
    settings.TIME_ZONE = zone
    for format in FORMATS:
        assert helpers.date(moment, format) == django_date(timezone.localtime(moment), format)
    # The machine-readable time in whole seconds: HTML allows no more than three decimals.
    whole_seconds = timezone.localtime(moment).replace(microsecond=0)
    assert helpers.time_tag(moment, "j F Y") == (
        f'<time datetime="{django_date(whole_seconds, "c")}">'
        f"{django_date(timezone.localtime(moment), 'j F Y')}</time>"
    )


def test_plain_dates_and_empty_values():
    assert helpers.date(date(2024, 3, 1), "F Y") == "March 2024"
    assert helpers.date(None, "Y") == ""


def test_a_date_format_letter_it_does_not_know_is_refused_not_guessed():
    with pytest.raises(ValueError, match="'D'"):
        helpers.date(MOMENTS[0], "D j M")


@pytest.mark.parametrize("value", [0, 1, 1.4, 1.5, 2.5, 999.5, 1055.49, 1234567.891, 12])
def test_whole_numbers_and_plurals_match_floatformat_and_pluralize(value):
    assert helpers.whole_number(value) == floatformat(value, "0g")
    rounded = helpers.rounded(value)
    assert helpers.pluralize(rounded) == pluralize(floatformat(value, 0))
    assert helpers.pluralize(value, "story,stories") == pluralize(value, "story,stories")


@pytest.mark.parametrize(
    "text",
    ["Short.", "x" * 20, "A summary that runs past its room.", "Cafe\u0301 au lait, and more"],
)
def test_truncatechars_matches_djangos_filter(text):
    for length in (5, 20, 25, 200):
        assert helpers.truncatechars(text, length) == truncatechars(text, length)


def test_querystring_keeps_the_other_parameters():
    request = RequestFactory().get("/search/", {"q": "rain & sun", "section": "world", "page": 3})
    assert helpers.querystring(request, page=4) == "?q=rain+%26+sun&section=world&page=4"


def test_remembered_addresses_follow_the_url_conf(settings):
    assert helpers.url("articles:tag", slug="rain") == "/tags/rain/"
    settings.ROOT_URLCONF = "tests.lifescope.prefixed_urls"
    assert helpers.url("articles:tag", slug="rain") == "/news/tags/rain/"


def test_the_templates_escape_what_they_print():
    html = get_template("articles/includes/list_meta.html").render(
        {"share_title": '<script>"x"</script>', "share_description": "a & b"},
        RequestFactory().get("/"),
    )
    assert "&lt;script&gt;&#34;x&#34;&lt;/script&gt;" in html
    assert "a &amp; b" in html
    assert "<script>" not in html
