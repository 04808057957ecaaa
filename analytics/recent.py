"""Who read what lately, in this process: the view dedupe when there is no Redis.

Not the in-process cache: Django's LocMemCache keeps 300 entries by default and culls a third
when full, so a busy site's visitor keys would push out its cached pages and forget readers
within a few hundred views. Here a read costs one dict lookup and, when it is new, two
appends; entries leave in the order they came when their window is over.
"""

import collections
import threading
import time

# About 170 bytes each: a worker holds at most ~17 MB of them. Past this (some 55 new views a
# second for 30 minutes, in one process) the oldest are forgotten early and could count again.
MAX_ENTRIES = 100_000


class RecentReads:
    def __init__(self, max_entries=MAX_ENTRIES):
        self.max_entries = max_entries
        self._expiry = {}
        self._order = collections.deque()  # (expiry, key), oldest first
        self._lock = threading.Lock()

    def first(self, key, window):
        """True if `key` was not read within its window; then it is remembered for `window`.

        Atomic under the lock, so two threads of one visitor cannot both be first.
        """
        now = time.monotonic()
        with self._lock:
            self._forget(lambda expiry: expiry <= now)
            expiry = self._expiry.get(key)
            if expiry is not None and expiry > now:
                return False
            self._expiry[key] = now + window
            self._order.append((now + window, key))
            if len(self._order) > self.max_entries:
                self._forget(lambda expiry: len(self._order) > self.max_entries)
            return True

    def clear(self):
        with self._lock:
            self._expiry.clear()
            self._order.clear()

    def _forget(self, condition):
        while self._order and condition(self._order[0][0]):
            expiry, key = self._order.popleft()
            if self._expiry.get(key) == expiry:  # not read again since
                del self._expiry[key]


recent_reads = RecentReads()
