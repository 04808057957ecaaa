import logging

import pytest

from lifescope.log_filters import OncePerInterval


def test_an_outage_logs_one_line_per_burst_without_the_traceback(caplog):
    # The logger django-redis writes to, configured in settings.LOGGING.
    logger = logging.getLogger("django_redis.cache")
    caplog.set_level(logging.ERROR, logger="django_redis.cache")
    for _ in range(50):
        try:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        except ConnectionError:
            # Its own message: the filter remembers django-redis's from earlier outage tests.
            logger.exception("Exception ignored in a burst")

    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.getMessage() == (
        "Exception ignored in a burst: ConnectionError: "
        "Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )
    assert record.exc_info is None


def test_the_same_message_is_let_through_again_after_the_interval(monkeypatch):
    clock = [100.0]
    only_once = OncePerInterval(seconds=10)
    monkeypatch.setattr(only_once, "clock", lambda: clock[0])

    def record():
        return logging.LogRecord("django_redis.cache", logging.ERROR, "", 0, "Down", None, None)

    assert only_once.filter(record())
    clock[0] += 9
    assert not only_once.filter(record())
    clock[0] += 2
    assert only_once.filter(record())


def filters_of(logger_name):
    """The OncePerInterval filters that settings.LOGGING puts on `logger_name`."""
    return [f for f in logging.getLogger(logger_name).filters if isinstance(f, OncePerInterval)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("logger_name", "request_for"),
    [
        ("django.security.DisallowedHost", lambda n: ("/", {"HTTP_HOST": f"scan{n}.example"})),
        ("django.security.SuspiciousFileOperation", lambda n: (f"/media/..%2F{n}/passwd", {})),
    ],
    ids=["bad host", "path out of media"],
)
def test_a_scan_costs_one_short_line_per_burst_and_each_request_a_400(
    client, caplog, monkeypatch, logger_name, request_for
):
    clock = [1e9]  # far past any burst an earlier test left in the filter's memory
    assert filters_of(logger_name)
    for only_once in filters_of(logger_name):
        monkeypatch.setattr(only_once, "clock", lambda: clock[0])
    caplog.set_level(logging.INFO)

    def scan(requests):
        for n in requests:
            path, headers = request_for(n)
            assert client.get(path, **headers).status_code == 400

    scan(range(50))
    clock[0] += 11
    scan(range(50, 60))

    records = [r for r in caplog.records if r.name.startswith("django.security")]
    assert [r.name for r in records] == [logger_name, logger_name]
    assert all(r.exc_info is None and r.exc_text is None for r in records)
    assert all(len(r.getMessage()) <= 300 for r in records)
    assert records[1].getMessage().endswith("(and 49 more like it, not logged)")
    # Nothing else about these requests: Django's "Bad Request" line is not added.
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_a_long_message_is_cut_short(monkeypatch):
    only_once = OncePerInterval(seconds=10)
    record = logging.LogRecord("x", logging.ERROR, "", 0, "Invalid host: " + "h" * 9000, None, None)

    assert only_once.filter(record)
    assert len(record.getMessage()) == 300
    assert record.getMessage().endswith("…")
