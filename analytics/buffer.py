"""The Redis view buffer: views arrive in a hash, `flush_views` moves it to the database.

Each process appends its views to a file of its own (analytics/filebuffer.py: one write(), no
round trip on the page's path, and it survives SIGKILL); about once a second, per host, a flush
ships the files' new lines here with one script per few hundred lines (`ship`), which dedupes
readers across every process and host with their visitors' keys and HINCRBYs the live hash.
A flush of the hash atomically renames it to a "flushing" hash stamped with a batch key (one
Lua script), writes its counts and the batch key in one database transaction, then deletes the
flushing hash only if it still holds that batch. A flush that dies before its commit leaves the
hash to be written by the next run; one that dies after its commit leaves a batch key the
database already has, so the next run just deletes it.
"""

import datetime
import uuid
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from analytics.storage import Count

VIEW, BOT = "v", "b"
BATCH_FIELD = "batch"  # named in the scripts below

# Keeps any unfinished batch first; otherwise claims the live hash. Returns the batch's fields.
CLAIM = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], 'batch', ARGV[1])
end
return redis.call('HGETALL', KEYS[2])
"""

# Deletes the flushing hash only if it is still the batch that was written.
RELEASE = """
if redis.call('HGET', KEYS[1], 'batch') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


# Counts a view only if the visitor's key was absent: dedupe and count in one round trip.
ADD_FIRST_READ = """
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
"""


# Adds the lines of one view file past the offset Redis has for it, each reader's view only
# if its visitor's key was absent (then set to expire a dedupe window after the read), and
# moves the offset in the same step: a flush that dies after it and before the database has the
# new offset sends the lines again, and they are skipped here.
# KEYS: the file's offset, the live hash. ARGV: seconds to keep the offset; then four per line:
# where it ends in the file, its hash field, its visitor's key ('' for none), when that expires.
SHIP = """
local done = tonumber(redis.call('GET', KEYS[1]) or '-1')
local last = done
local added = 0
for i = 2, #ARGV, 4 do
  local line_end = tonumber(ARGV[i])
  if line_end > done then
    local seen = ARGV[i + 2]
    if seen == '' or redis.call('SET', seen, 1, 'NX', 'PXAT', ARGV[i + 3]) then
      redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
      added = added + 1
    end
    last = line_end
  end
end
if last > done then
  redis.call('SET', KEYS[1], last, 'EX', ARGV[1])
end
return added
"""
# Lines per script call: Redis runs one script at a time, so a long one would hold up pages.
SHIP_LINES_PER_CALL = 500
# Long past any flush that could still send a file's lines again.
SHIPPED_OFFSET_SECONDS = 24 * 3600


class RedisViewBuffer:
    def __init__(self, client, prefix):
        self.client = client
        self.live_key = f"{prefix}:live"
        self.flushing_key = f"{prefix}:flushing"
        self._add_first_read = client.register_script(ADD_FIRST_READ)
        self._ship = client.register_script(SHIP)
        self.prefix = prefix

    def add(self, article_id, day, kind=VIEW, hour=None):
        self.client.hincrby(self.live_key, _field(article_id, day, kind, hour), 1)

    def add_first_read(self, seen_key, window, article_id, day, hour=None):
        """Adds a view unless `seen_key` exists; it then exists for `window` seconds.
        True if the view was added."""
        field = _field(article_id, day, VIEW, hour)
        return bool(self._add_first_read(keys=[seen_key, self.live_key], args=[window, field]))

    def ship(self, checkpoint_name, lines, window):
        """Adds lines of a view file (analytics/filebuffer.py) that Redis has not had yet, at
        most SHIP_LINES_PER_CALL of them: readers' views once per visitor key and `window`
        seconds from the read. Returns how many lines were counted."""
        args = [SHIPPED_OFFSET_SECONDS]
        for line in lines:
            kind = BOT if line.kind == BOT else VIEW
            seen, expires_ms = "", 0
            if kind == VIEW and line.visitor is not None:
                seen = seen_key(line.article_id, line.visitor)
                expires_ms = ((line.read_at or line.window * window) + window) * 1000
            args += [line.end, _field(line.article_id, line.day, kind, line.hour), seen, expires_ms]
        offset_key = f"{self.prefix}:shipped:{checkpoint_name}"
        return self._ship(keys=[offset_key, self.live_key], args=args)

    def claim(self):
        """Returns (batch key, counts) of the batch to write next, or None when empty."""
        claim = self.client.register_script(CLAIM)
        fields = claim(keys=[self.live_key, self.flushing_key], args=[uuid.uuid4().hex])
        if not fields:
            return None
        pairs = dict(zip(fields[::2], fields[1::2], strict=True))
        batch = pairs.pop(BATCH_FIELD.encode()).decode()
        return batch, _parse_counts(pairs)

    def release(self, batch):
        self.client.register_script(RELEASE)(keys=[self.flushing_key], args=[batch])

    def pending(self):
        """Counts not yet in the database (live and flushing), for tests and the admin."""
        counts = []
        for key in (self.flushing_key, self.live_key):
            fields = self.client.hgetall(key)
            fields.pop(BATCH_FIELD.encode(), None)
            counts += _parse_counts(fields)
        return counts


def seen_key(article_id, visitor):
    """The Redis key that says `visitor` read the article within the dedupe window."""
    return cache.make_key(f"analytics:seen:{article_id}:{visitor}")


def _field(article_id, day, kind, hour):
    return f"{article_id}:{day.isoformat()}:{kind}" + ("" if hour is None else f":{hour}")


def _parse_counts(fields):
    merged = {}
    for field, value in fields.items():
        article_id, day, kind, *hour = field.decode().split(":")
        key = (int(article_id), datetime.date.fromisoformat(day), int(hour[0]) if hour else None)
        views, bot_hits = merged.get(key, (0, 0))
        if kind == VIEW:
            views += int(value)
        else:
            bot_hits += int(value)
        merged[key] = (views, bot_hits)
    return [
        Count(article_id, day, *totals, hour=hour)
        for (article_id, day, hour), totals in merged.items()
    ]


def get_buffer():
    """The shared buffer when Redis is configured, else None: views then go straight to SQL."""
    if not settings.ANALYTICS["BUFFER_IN_REDIS"]:
        return None
    from django_redis import get_redis_connection

    return _buffer_for(get_redis_connection("default"), cache.make_key("analytics:buffer"))


@lru_cache(maxsize=4)
def _buffer_for(client, prefix):
    # One per connection: every counted view comes here, and the script is registered once.
    return RedisViewBuffer(client, prefix)
