import logging

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
    monkeypatch.setattr("lifescope.log_filters.time.monotonic", lambda: clock[0])
    only_once = OncePerInterval(seconds=10)

    def record():
        return logging.LogRecord("django_redis.cache", logging.ERROR, "", 0, "Down", None, None)

    assert only_once.filter(record())
    clock[0] += 9
    assert not only_once.filter(record())
    clock[0] += 2
    assert only_once.filter(record())
