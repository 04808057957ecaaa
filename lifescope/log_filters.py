"""Logging filters that keep an outage readable and cheap to log."""

import threading
import time


class OncePerInterval:
    """Lets one record per message through every `seconds`, without its traceback.

    While Redis is down every page makes a dozen cache calls that django-redis logs with a full
    traceback: formatting those cost about a third of the CPU of each page and buried the one
    line that matters. The first record of a burst keeps the exception's one-line summary.
    """

    def __init__(self, seconds=10):
        self.seconds = seconds
        self._last_seen = {}
        self._lock = threading.Lock()

    def filter(self, record):
        now = time.monotonic()
        with self._lock:
            last = self._last_seen.get(record.msg)
            if last is not None and now - last < self.seconds:
                return False
            self._last_seen[record.msg] = now
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True
