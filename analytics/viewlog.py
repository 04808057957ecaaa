"""Each process's view log: one line appended per counted request, read back by the flush.

Writing every view to the database would cost more than serving the cached page. So a view is
one short line appended with a single os.write() to a file of this process's own: no database,
no network, no lock but a thread lock, and it survives SIGKILL, because the kernel holds what
was written whatever happens to the process. (A crash of the machine loses the last second or
so, as SQLite's synchronous=NORMAL would anyway.)

A line is `<read at, epoch seconds> <article id> <v|b|i> [<visitor key>]`: a reader's view (v),
a bot's hit of the page (b) or of its view beacon (i), with the visitor key the flush dedupes
on (bot hits written before 2026-12 have none).

Files are never rewritten. A writer holds an exclusive flock() on its file for as long as it may
append, and the kernel drops it when the process exits or dies: a file whose lock can be taken
has no writer left, so once read to its end it is deleted. One flush at a time per folder
(flock() on a lock file, whose modification time says when the last flush ran). The folder has
an id of its own (`folder_id`), which names its files' offsets in the database, so hosts that
share one database never take each other's files for their own. analytics/flush.py reads them.
"""

import contextlib
import fcntl
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

logger = logging.getLogger(__name__)

VIEW, BOT, BOT_BEACON = "v", "b", "i"
BOTS = (BOT, BOT_BEACON)
SUFFIX = ".views"
LOCK_NAME = ".flush.lock"
FOLDER_ID_NAME = ".folder-id"
# A writer starts a new file past this size, so an old one can be read to its end and deleted.
ROTATE_BYTES = 4 * 1024 * 1024


class Line(NamedTuple):
    """One line of a view log; `end` is where it ends in its file, newline included."""

    end: int
    read_at: int
    article_id: int
    kind: str
    visitor: str | None


class Segment(NamedTuple):
    """The complete lines of one file past its flushed offset: bytes [start, end) of it."""

    name: str
    start: int
    end: int
    size: int  # the file's size when read; more than `end` while a line is half-written
    lines: list


def line(read_at, article_id, kind, visitor=None):
    """The bytes of one log line."""
    fields = f"{read_at} {article_id} {kind}" + (f" {visitor}" if visitor else "")
    return (fields + "\n").encode()


class ViewLog:
    def __init__(self, directory):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._fd = None
        self._pid = None
        self._written = 0

    # --- writing: every counted request -----------------------------------------------------

    def append(self, data):
        """Appends one line (`line()`); raises OSError if the disk refuses it."""
        with self._lock:
            # A forked child (a new worker) opens a file of its own: the parent's lock is not ours.
            if self._fd is None or self._pid != os.getpid() or self._written > ROTATE_BYTES:
                self._open()
            # One write() of a short line to an O_APPEND file: lines never interleave.
            written = os.write(self._fd, data)
            self._written += written
            if written != len(data):
                # The rest of the cut line never comes: the next line starts a file of its own
                # rather than run on from it into one line that no flush could read.
                self._release()
        if written != len(data):
            raise OSError(f"Only {written} of {len(data)} bytes of a view were written")

    def close(self):
        with self._lock:
            self._release()

    def _open(self):
        """Starts a file of our own, locked before a flush can see it (a hidden name first)."""
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

    def _forget_inherited(self):
        """In a forked child: closes its copy of the parent's descriptor, which would hold the
        parent's lock after the parent is gone (closing a copy never drops the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._lock = threading.Lock()  # another thread may have held it at the fork

    # --- reading: the flush -----------------------------------------------------------------

    @contextlib.contextmanager
    def flush_lock(self, wait=False, min_interval=0.0):
        """Yields True while this is the folder's only flush; False when another holds the lock
        (and `wait` is off) or one ran less than `min_interval` seconds ago."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            os.utime(fd, (0, 0))  # a new folder: no flush has run yet
        except FileExistsError:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            if min_interval and 0 <= time.time() - os.fstat(fd).st_mtime < min_interval:
                yield False
                return
            os.utime(fd)
            yield True
        finally:
            os.close(fd)  # also unlocks

    def folder_id(self):
        """This folder's id, made by whichever process asks first (O_EXCL: only one can)."""
        path = self.directory / FOLDER_ID_NAME
        with contextlib.suppress(FileNotFoundError):
            return path.read_text().strip()
        self.directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError), open(path, "x") as file:
            file.write(uuid.uuid4().hex[:12])
        return path.read_text().strip()

    def read(self, offsets):
        """Every file's complete lines past its offset in `offsets` ({file name: offset})."""
        segments = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            start = offsets.get(path.name, 0)
            try:
                with open(path, "rb") as file:
                    size = os.fstat(file.fileno()).st_size
                    file.seek(start)
                    data = file.read(max(size - start, 0))
            except FileNotFoundError:
                continue
            complete = data[: data.rfind(b"\n") + 1]
            lines = parse(complete, start)
            segments.append(Segment(path.name, start, start + len(complete), size, lines))
        return segments

    def delete_if_finished(self, segment):
        """Deletes a file read to its end whose writer is gone; True once it is gone.

        A killed writer's half-written last line will never be finished, so it goes with it.
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
                return False  # written to since we read it: the next flush takes the rest
            os.unlink(path)
            return True
        finally:
            os.close(fd)


def parse(data, start=0):
    """The well-formed lines of `data`, which begins at offset `start` of its file."""
    lines = []
    end = start
    for raw in data.split(b"\n")[:-1]:
        end += len(raw) + 1
        fields = raw.decode("ascii", "replace").split(" ")
        try:
            if len(fields) in (4, 7) and "-" in fields[1]:
                # Written before 2026-12: id, day, kind, hour[, visitor, window, read at].
                read_at = int(fields[6]) if len(fields) == 7 else int(fields[3]) * 3600
                fields = [str(read_at), fields[0], fields[2], *fields[4:5]]
            read_at, article_id, kind, *visitor = fields
            if kind not in (VIEW, *BOTS) or len(visitor) > 1:
                raise ValueError(f"not a view line: {raw[:80]!r}")
            lines.append(Line(end, int(read_at), int(article_id), kind, next(iter(visitor), None)))
        except ValueError:
            # Only a write cut short (a full disk) leaves a broken line: one view.
            logger.warning("Skipped a malformed line in the view log: %r", raw[:80])
    return lines


_current = None
_current_lock = threading.Lock()


def local_log():
    """This process's log, in ANALYTICS["LOG_DIR"] (a test's own folder closes the last one)."""
    global _current
    directory = settings.ANALYTICS["LOG_DIR"]
    current = _current
    if current is not None and current.directory_setting is directory:
        return current  # every counted view comes here: no Path, no lock
    with _current_lock:
        if _current is not None:
            _current.close()
        _current = ViewLog(directory)
        _current.directory_setting = directory
        return _current


def _after_fork_in_child():
    if _current is not None:
        _current._forget_inherited()


os.register_at_fork(after_in_child=_after_fork_in_child)
