"""The admin's date hierarchy at the ends of the calendar: Django's own change list raised
OverflowError or ValueError there (a 500), found by tests/lifescope/test_hostile_admin.py."""

import pytest

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

LISTS = [
    ("editor", "/admin/articles/article/", "published_at"),
    ("moderator", "/admin/comments/comment/", "created"),
]
OUT_OF_RANGE = [
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "9" * 20},
    {"year": "-1"},
]


@pytest.mark.parametrize(("who", "url", "field"), LISTS, ids=["articles", "comments"])
@pytest.mark.parametrize("date", OUT_OF_RANGE, ids=lambda date: "-".join(date.values())[:12])
def test_a_date_past_the_calendar_is_an_invalid_filter(client, request, who, url, field, date):
    client.force_login(request.getfixturevalue(who))

    response = client.get(url, {f"{field}__{part}": value for part, value in date.items()})

    # Django's answer to any filter it cannot apply: the list again, saying so.
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize(("who", "url", "field"), LISTS, ids=["articles", "comments"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_the_first_year_of_the_calendar_lists_nothing_east_of_greenwich_too(
    client, request, settings, who, url, field, zone
):
    # At UTC+9, midnight on 0001-01-01 is before the earliest UTC datetime.
    settings.TIME_ZONE = zone
    CommentFactory(article=ArticleFactory())
    client.force_login(request.getfixturevalue(who))

    response = client.get(url, {f"{field}__year": "1"})

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == f"{url}?e=1"
    else:
        assert "0 " in response.content.decode()


@pytest.mark.parametrize(("who", "url", "field"), LISTS, ids=["articles", "comments"])
def test_a_real_year_still_filters(client, request, who, url, field):
    comment = CommentFactory(article=ArticleFactory())
    year = comment.created.year
    client.force_login(request.getfixturevalue(who))

    assert client.get(url, {f"{field}__year": str(year)}).status_code == 200
