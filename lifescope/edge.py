"""What HTTP caches in front of the site (Varnish, a CDN) and browsers need of its answers.

lifescope/page_cache.py decides which pages are shared and names what they show; this module
says so over HTTP, on every answer that passes through the page cache, from the cache or not:

- **Shared pages** (`public`): `Cache-Control: public, max-age=0, s-maxage=<the page's time
  left>, stale-while-revalidate, stale-if-error`, so a shared cache keeps the page as long as
  the page cache would and serves it stale while the site is down, and browsers revalidate
  each time; a weak `ETag` of the bytes served, and 304 Not Modified to a request that names
  it; `Surrogate-Key` with the page's names (article:12 front section:3 …; Varnish's xkey reads
  it); the body compressed (Brotli or gzip, as the client accepts), once per version per process.
- **Everything else** an HTML page: `Cache-Control: private` unless the view said otherwise
  (previews say no-store), so no shared cache ever keeps a page of one's own, a form with its
  errors or a response that sets a cookie. Those are never compressed either: a page that
  carries a secret (a CSRF token) must not be (BREACH).
- **Purges**: when names are retired (after the commit), `purge(names)` asks every HTTP cache in
  PAGE_CACHE["PURGE_URLS"] to drop the objects carrying them, and calls PAGE_CACHE["PURGE_HOOK"]
  when set (a function of the names: a CDN's API, Fastly's surrogate-key purge for one), in a
  thread of its own, retried, never failing the change that caused it. Each cache is sent one
  request naming the keys in two headers, `xkey-purge` and `Surrogate-Key` (space-separated),
  with the method its entry starts with: `PURGE` by default (deploy/varnish/default.vcl makes
  it an xkey purge), or `BAN` ("BAN http://varnish:6081/": the same VCL bans the objects whose
  keys match, for a Varnish without the xkey module, or any cache that bans by header).
"""

import atexit
import gzip
import hashlib
import logging
import queue
import threading
import time
import urllib.request

import brotli
from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

COMPRESSIBLE = ("text/html", "application/xml", "application/rss+xml", "application/atom+xml")
# Compressed bodies kept per process, by ETag and encoding: a page is compressed once per
# version, not once per request.
COMPRESSED_KEPT = 256
_compressed = {}
_compressed_lock = threading.Lock()


def config():
    return settings.PAGE_CACHE


def finish_shared(request, response, until, names, digest):
    """Marks `response`, a shared page valid until `until` (epoch seconds) that shows `names`
    and whose bytes `digest` names, for HTTP caches; answers 304 when the client has it."""
    etag = f'W/"{digest}"'
    response["ETag"] = etag
    response["Surrogate-Key"] = " ".join(names)
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=max(0, int(until - time.time())),
        stale_while_revalidate=config()["STALE_WHILE_REVALIDATE"],
        stale_if_error=config()["STALE_IF_ERROR"],
    )
    vary_by_encoding(response)
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response.status_code = 304
        response.content = b""
        del response["Content-Length"]
        return response
    return compress(request, response, etag)


def vary_by_encoding(response):
    """Says the answer differs by Accept-Encoding, whatever this client takes (a 304 stands for
    the 200). The page cache stores its pages saying it, so a hit only checks."""
    if "Accept-Encoding" not in response.get("Vary", "") and response.get(
        "Content-Type", ""
    ).startswith(COMPRESSIBLE):
        patch_vary_headers(response, ["Accept-Encoding"])


def finish_private(response):
    """An HTML page that no shared cache may keep (unless its view already said how)."""
    if "Cache-Control" not in response and response.get("Content-Type", "").startswith("text/html"):
        patch_cache_control(response, private=True)
    return response


def compress(request, response, etag):
    """The response's body in the best encoding the client accepts, made once per version."""
    encoding = preferred_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if (
        encoding is None
        or response.status_code != 200
        or len(response.content) < 1024
        or not response.get("Content-Type", "").startswith(COMPRESSIBLE)
    ):
        return response
    key = (etag, encoding)
    body = _compressed.get(key)
    if body is None:
        if encoding == "br":
            body = brotli.compress(response.content, quality=5)
        else:
            body = gzip.compress(response.content, compresslevel=6, mtime=0)
        with _compressed_lock:
            if len(_compressed) >= COMPRESSED_KEPT:
                _compressed.clear()
            _compressed[key] = body
    response.content = body
    response["Content-Encoding"] = encoding
    response["Content-Length"] = str(len(body))
    return response


# What we can send, best first when the client likes them equally.
ENCODINGS = ("br", "gzip")
# Accept-Encoding values seen, with the encoding each asks for: few distinct values (one per
# browser family) arrive on every cached hit, so each is parsed once per process.
ENCODING_CHOICES_KEPT = 64
_encoding_choices = {}


def preferred_encoding(accept_encoding):
    """The encoding of ENCODINGS the `Accept-Encoding` value rates highest, or None.

    RFC 9110 §12.5.3: codings are case-insensitive, each with an optional q-value; q=0 refuses
    a coding; `*` rates every coding not named. (Identity needs no asking: it is what is sent
    when nothing else is acceptable.)"""
    choice = _encoding_choices.get(accept_encoding, False)
    if choice is False:
        choice = _parse_accept_encoding(accept_encoding)
        if len(_encoding_choices) >= ENCODING_CHOICES_KEPT:
            _encoding_choices.clear()
        _encoding_choices[accept_encoding] = choice
    return choice


def _parse_accept_encoding(accept_encoding):
    ratings = {}
    for element in accept_encoding.lower().split(","):
        coding, *params = (part.strip() for part in element.split(";"))
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                if not quality > 0:  # unreadable or NaN: not a yes
                    quality = 0.0
        ratings["gzip" if coding == "x-gzip" else coding] = quality  # x-gzip: RFC 9110 §8.4.1.3
    wildcard = ratings.get("*", 0.0)
    rated = [(ratings.get(encoding, wildcard), encoding) for encoding in ENCODINGS]
    best = max(quality for quality, _ in rated)
    if best <= 0:
        return None
    return next(encoding for quality, encoding in rated if quality == best)


def digest(parts):
    """A short fingerprint of bytes and strings, for ETags."""
    hashed = hashlib.blake2b(digest_size=12)
    for part in parts:
        hashed.update(part if isinstance(part, bytes) else part.encode())
    return hashed.hexdigest()


# --- Purges ----------------------------------------------------------------------------------

PURGE_TRIES = 3
PURGE_TIMEOUT = 2.0
# How long an exiting process waits for its queued purges (one cache down: tries and pauses).
PURGE_EXIT_SECONDS = 10.0
_purges = queue.Queue()
_purger = None
_purger_lock = threading.Lock()


def purge(names):
    """Asks the configured HTTP caches to drop what shows `names`, in the background."""
    if not (config()["PURGE_URLS"] or config()["PURGE_HOOK"]):
        return
    _purges.put((tuple(config()["PURGE_URLS"]), config()["PURGE_HOOK"], frozenset(names)))
    _start_purger()


def _start_purger():
    global _purger
    with _purger_lock:
        if _purger is None:
            # A process that exits (a command, a recycled worker) sends what it has queued first.
            atexit.register(wait_for_purges, timeout=PURGE_EXIT_SECONDS)
        if _purger is None or not _purger.is_alive():
            _purger = threading.Thread(target=_purge_forever, name="lifescope-purge", daemon=True)
            _purger.start()


def _purge_forever():
    while True:
        urls, hook, names = _purges.get()
        try:
            send_purges(urls, hook, names)
        finally:
            _purges.task_done()


def send_purges(urls, hook, names, pause=time.sleep):
    """Purges `names` from each cache at `urls` and through `hook`, each tried PURGE_TRIES
    times; returns what failed for good (it is logged: those objects expire on their own)."""
    keys = " ".join(sorted(names))
    jobs = [(url, lambda url=url: _purge_url(url, keys)) for url in urls]
    if hook:
        jobs.append((hook, lambda: import_string(hook)(sorted(names))))
    failed = []
    for target, job in jobs:
        for attempt in range(PURGE_TRIES):
            try:
                job()
                break
            except Exception as error:  # a cache down, refusing, slow: try again, then log
                if attempt == PURGE_TRIES - 1:
                    logger.warning("Could not purge %s from %s: %s", keys, target, error)
                    failed.append(target)
                else:
                    pause(0.2 * 2**attempt)
    return failed


PURGE_METHODS = ("PURGE", "BAN")


def _purge_url(entry, keys):
    """Sends `keys` to one cache: `entry` is its URL, after its method if not PURGE."""
    method, _, url = entry.strip().rpartition(" ")
    method = method.strip().upper() or "PURGE"
    if method not in PURGE_METHODS:
        raise ValueError(f"{entry!r}: a purge is sent with one of {', '.join(PURGE_METHODS)}")
    headers = {"xkey-purge": keys, "Surrogate-Key": keys}
    request = urllib.request.Request(url, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT) as answer:
        answer.read()


def wait_for_purges(timeout=None):
    """Blocks until every purge asked for so far has been sent, or `timeout` seconds pass."""
    with _purges.all_tasks_done:
        _purges.all_tasks_done.wait_for(lambda: not _purges.unfinished_tasks, timeout)
