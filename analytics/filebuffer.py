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

from analytics.storage import Count

logger = logging.getLogger(__name__)

VIEW, BOT = "v", "b"
SUFFIX = ".views"
LOCK_NAME = ".flush.lock"
# A writer starts a new file past this size, so an old one can be read to the end and deleted.
ROTATE_BYTES = 4 * 1024 * 1024


class Segment(NamedTuple):
    """The complete lines of one file not yet flushed: bytes [start, end) of it."""

    name: str
    start: int
    end: int
    size: int  # the file's size when read; more than `end` while a line is half-written
    counts: list


class FileViewBuffer:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory_setting = directory
        self._lock = threading.Lock()
        self._fd = None
        self._pid = None
        self._written = 0

    # --- writing (every counted request) ----------------------------------------------------

    def add(self, article_id, day, kind=VIEW, hour=None):
        line = f"{article_id} {day.isoformat()} {kind}{'' if hour is None else f' {hour}'}\n"
        line = line.encode()
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
            segments.append(
                Segment(name, start, start + len(complete), max(size, start), _parse(complete))
            )
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


def _parse(data):
    merged = {}
    for line in data.decode("ascii", "replace").splitlines():
        try:
            article_id, day, kind, *hour = line.split(" ")
            hour = int(hour[0]) if hour else None
            key = (int(article_id), datetime.date.fromisoformat(day), hour)
        except (ValueError, IndexError):
            # Only a write cut short (disk full) can leave a broken line; it is one view.
            logger.warning("Skipped a malformed line in the view buffer: %r", line[:80])
            continue
        views, bot_hits = merged.get(key, (0, 0))
        if kind == BOT:
            bot_hits += 1
        else:
            views += 1
        merged[key] = (views, bot_hits)
    return [
        Count(article_id, day, *totals, hour=hour)
        for (article_id, day, hour), totals in merged.items()
    ]


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
