"""Logging filters that keep an outage or a scan readable and cheap to log."""

import threading
import time

MAX_MESSAGE = 300


class OncePerInterval:
    """Lets one record per message (or per logger) through every `seconds`, short and without
    its traceback.

    While Redis is down every page makes a dozen cache calls that django-redis logs with a full
    traceback: formatting those cost about a third of the CPU of each page and buried the one
    line that matters. The first record of a burst keeps the exception's one-line summary, cut
    to MAX_MESSAGE characters in all, and says how many records it stood for since the last one.

    `per_logger` counts every message of a logger as one: Django logs each forged Host header
    (each a message of its own) with its traceback, so a scan would otherwise fill the log.
    """

    def __init__(self, seconds=10, per_logger=False):
        self.seconds = seconds
        self.per_logger = per_logger
        self.clock = time.monotonic
        self._last_seen = {}
        self._dropped = {}
        self._lock = threading.Lock()

    def filter(self, record):
        key = record.name if self.per_logger else record.msg
        now = self.clock()
        with self._lock:
            last = self._last_seen.get(key)
            if last is not None and now - last < self.seconds:
                self._dropped[key] = self._dropped.get(key, 0) + 1
                return False
            self._last_seen[key] = now
            dropped = self._dropped.pop(key, 0)
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{message}: {type(error).__name__}: {error}"
        tail = f" (and {dropped} more like it, not logged)" if dropped else ""
        if len(message) + len(tail) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - len(tail) - 1] + "…"
        record.msg, record.args = message + tail, None
        record.exc_info = record.exc_text = None
        return True
