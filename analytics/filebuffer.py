"""The embedded view buffer: each process appends views to a file of its own, flushes move them.

Without Redis, writing every view to SQLite costs more than serving the cached page. So a view
is one line appended with a single os.write() to this process's file under the buffer folder:
no database, no lock but a thread lock, and it survives SIGKILL, because the kernel holds what
was written whatever happens to the process. (Only a crash of the machine loses the last
seconds, as it would with synchronous=NORMAL anyway.)

Files are never rewritten. A flush reads each file from the offset it reached last time up to
the last complete line, and commits the counts together with the new offsets (`BufferCheckpoint`)
in one transaction: a flush that dies before its commit leaves the old offsets, so the next one
reads the same lines again; one that dies after leaves the new offsets, so nothing is read twice.

A writer holds an exclusive flock() on its file for as long as it may append, and the kernel
drops it when the process exits or is killed. A file whose lock can be taken therefore has no
writer left: once read to the end it is deleted, so the files of dead workers are flushed once
and then disappear. One flush at a time per folder, by flock() on a lock file whose modification
time says when the last flush ran.

A reader's view line also carries the visitor's key and dedupe window, because each process
dedupes only its own readers: the flush counts the line only if the database has no sighting
of that visitor, article and window yet (storage.first_sightings). A line without them (a bot
hit, or one written before lines had them) counts as it is. Its last field, the time of the
read, lets a flush into Redis (analytics/buffer.py `ship`) dedupe from the read itself.

Offsets are kept per folder: each folder has an id of its own (FOLDER_ID_NAME), which names its
files' checkpoints, so hosts sharing one database never take each other's files for finished.
"""

import contextlib
import datetime
import fcntl
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from analytics.storage import Count, Sighting

logger = logging.getLogger(__name__)

VIEW, BOT = "v", "b"
SUFFIX = ".views"
LOCK_NAME = ".flush.lock"
FOLDER_ID_NAME = ".folder-id"
# A writer starts a new file past this size, so an old one can be read to the end and deleted.
ROTATE_BYTES = 4 * 1024 * 1024


class Segment(NamedTuple):
    """The complete lines of one file not yet flushed: bytes [start, end) of it."""

    name: str
    start: int
    end: int
    size: int  # the file's size when read; more than `end` while a line is half-written
    counts: list
    sightings: list  # the views still to dedupe across processes, in the order they came
    data: bytes  # the lines themselves, bytes [start, end)


class FileViewBuffer:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory_setting = directory
        self._lock = threading.Lock()
        self._fd = None
        self._pid = None
        self._written = 0

    # --- writing (every counted request) ----------------------------------------------------

    def add(self, article_id, day, kind=VIEW, hour=None, visitor=None, window=None, read_at=None):
        """Appends one view or bot hit; with `visitor` and `window` (its dedupe window's
        number), the flush counts it only once per visitor, article and window. `read_at`
        (whole seconds since the epoch; needs `hour` and `visitor`) is when it was read."""
        fields = [str(article_id), day.isoformat(), kind]
        if hour is not None:
            fields.append(str(hour))
        if visitor is not None:
            fields += [visitor, str(window)]
            if read_at is not None and hour is not None:
                fields.append(str(read_at))
        line = (" ".join(fields) + "\n").encode()
        with self._lock:
            if self._fd is None or self._pid != os.getpid() or self._written > ROTATE_BYTES:
                self._open()
            # One write() of a short line to an O_APPEND file: lines never interleave.
            written = os.write(self._fd, line)
            self._written += written
        if written != len(line):
            raise OSError(f"Only {written} of {len(line)} bytes of a view were written")

    def close(self):
        """Stops writing (at exit); the file is flushed and deleted like any writer's."""
        with self._lock:
            self._release()

    def _open(self):
        """Starts a file of our own, locked before the flushers can see it (temporary name)."""
        self._release()
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        hidden = self.directory / f".{name}.new"
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        fd = os.open(hidden, flags, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(hidden, self.directory / f"{name}{SUFFIX}")
        self._fd, self._pid, self._written = fd, os.getpid(), 0

    def _release(self):
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)  # drops our lock: the file is now a finished one
        self._fd = None

    def forget_after_fork(self):
        """In a forked child: the parent's file and lock stay the parent's."""
        if self._fd is not None:
            # The child's copy of the descriptor; the lock lives on in the parent's.
            os.close(self._fd)
        self._lock = threading.Lock()
        self._fd = None

    # --- flushing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def flush_lock(self, wait=False, min_interval=0.0):
        """Yields True while this is the only flush of the folder, False when it must not run:
        another holds the lock (and `wait` is off), or one ran less than `min_interval` ago."""
        fd = self._open_lock_file()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            if min_interval and time.time() - os.fstat(fd).st_mtime < min_interval:
                yield False
                return
            os.utime(fd)
            yield True
        finally:
            os.close(fd)  # also unlocks

    def _open_lock_file(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            return os.open(path, os.O_RDWR | os.O_CLOEXEC)
        os.utime(fd, (0, 0))  # no flush has run yet
        return fd

    def names(self):
        return sorted(path.name for path in self.directory.glob(f"*{SUFFIX}"))

    def checkpoint_name(self, name):
        """The name of file `name`'s offset in the database: the folder's id and the file's."""
        return f"{self.folder_id()}:{name}"

    def folder_id(self):
        """This folder's id, made by whichever process asks first (O_EXCL: only one can)."""
        path = self.directory / FOLDER_ID_NAME
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as file:
            file.write(uuid.uuid4().hex[:12])
        return path.read_text().strip()

    def read(self, offsets):
        """The unflushed lines of every file, given each file's flushed offset."""
        segments = []
        for name in self.names():
            start = offsets.get(name, 0)
            try:
                with open(self.directory / name, "rb") as file:
                    size = os.fstat(file.fileno()).st_size
                    file.seek(start)
                    data = file.read(max(size - start, 0))
            except FileNotFoundError:
                continue
            complete = data[: data.rfind(b"\n") + 1]
            counts, sightings = _parse(complete)
            end, size = start + len(complete), max(size, start)
            segments.append(Segment(name, start, end, size, counts, sightings, complete))
        return segments

    def delete_if_finished(self, segment):
        """Deletes a file read to its end whose writer is gone; True if it was deleted.

        A half-written last line of a killed writer will never be finished, so it is dropped.
        """
        path = self.directory / segment.name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return True
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # its writer is still appending
            if os.fstat(fd).st_size != segment.size:
                return False  # written to after we read it: the next flush takes the rest
            os.unlink(path)
            return True
        finally:
            os.close(fd)


def rest_of(segment, offset):
    """The lines of `segment` past `offset`, one of its line ends (or its start)."""
    data = segment.data[offset - segment.start :]
    counts, sightings = _parse(data)
    return segment._replace(start=offset, counts=counts, sightings=sightings, data=data)


class Line(NamedTuple):
    """One line of a buffer file; `end` is where it ends in its file, its newline included."""

    end: int
    article_id: int
    day: datetime.date
    kind: str
    hour: int | None
    visitor: str | None
    window: int | None
    read_at: int | None


def parse_lines(data, start=0):
    """The well-formed lines of `data`, which begins at offset `start` of its file."""
    lines = []
    end = start
    for raw in data.split(b"\n")[:-1]:
        end += len(raw) + 1
        line = raw.decode("ascii", "replace")
        try:
            article_id, day, kind, *rest = line.split(" ")
            if len(rest) > 4:
                raise ValueError(f"{len(rest)} fields after the kind")
            hour = int(rest[0]) if len(rest) in (1, 3, 4) else None
            visitor, window = (rest[-2], int(rest[-1])) if len(rest) in (2, 3) else (None, None)
            read_at = None
            if len(rest) == 4:
                visitor, window, read_at = rest[1], int(rest[2]), int(rest[3])
            lines.append(
                Line(end, int(article_id), datetime.date.fromisoformat(day), kind, hour, visitor,
                     window, read_at)
            )  # fmt: skip
        except (ValueError, IndexError):
            # Only a write cut short (disk full) can leave a broken line; it is one view.
            logger.warning("Skipped a malformed line in the view buffer: %r", line[:80])
    return lines


def _parse(data):
    """The lines' counts to add as they are, and the sightings to count once each."""
    merged = {}
    sightings = []
    for line in parse_lines(data):
        kind, hour = line.kind, line.hour
        key = (line.article_id, line.day, hour)
        if kind != BOT and line.visitor is not None:
            sightings.append(Sighting(line.article_id, line.visitor, line.window, line.day, hour))
            continue
        views, bot_hits = merged.get(key, (0, 0))
        if kind == BOT:
            bot_hits += 1
        else:
            views += 1
        merged[key] = (views, bot_hits)
    counts = [
        Count(article_id, day, *totals, hour=hour)
        for (article_id, day, hour), totals in merged.items()
    ]
    return counts, sightings


_current = None
_current_lock = threading.Lock()


def get_file_buffer(directory):
    """This process's buffer for `directory`: one writer per process (a new folder, as tests
    give each test, closes the last one's file)."""
    global _current
    if _current is not None and _current.directory_setting is directory:
        return _current  # every counted view comes here: no Path, no lock
    with _current_lock:
        if _current is None or _current.directory != Path(directory):
            if _current is not None:
                _current.close()
            _current = FileViewBuffer(directory)
        _current.directory_setting = directory
        return _current


def _after_fork_in_child():
    global _current_lock
    _current_lock = threading.Lock()
    if _current is not None:
        _current.forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
