"""Whole pages that every reader shares, kept in the cache and retired by what changed.

**Names.** A view names the things its page shows: `depends_on(request, "article:12")`; the
front page is "front", listings "section:3", "tag:5", "author:2", "archive:2026-12" (the
app that owns a thing says which names a change of it touches: `articles.services`). After a
change commits, `retire(names)` stamps each name with the time; a cached page is served only
while none of its names was stamped since its rendering began, so one change retires exactly
the pages that show it and no other. (A stamp within SKEW_SECONDS of the rendering counts as
later, for clocks of different hosts that disagree a little.) Every page also depends on
"site", retired by what every page shows (the section links) and by bulk changes.

**Time.** A page lives PAGE_CACHE["SECONDS"] at most, or less when its view says when it stops
being true (`expires_at`): a listing expires when the next story it would list is scheduled to
come out, so scheduled articles appear on time with no process to run.

**Fragments.** What a page is made of can be kept the same way, to make a page that is
rendered afresh cheap: `fragment(key, names, make)` keeps what `make()` returns until one of
`names` is retired (an article's tags, its comment thread, the article itself), so a page
retired by one change re-reads only what that change touched.

**Fills.** Parts that change on their own clock or differ per reader (the popular box, a
reader's own pending comments) are placeholders in the stored page, `<!--fill:NAME:ARG-->`,
written by the template helper `fill()`. Every HTML response passes through `fill_response`,
from the cache or not, where each placeholder becomes what the provider named in
PAGE_CACHE["FILLS"] returns for this request: `provider(request, arg) -> str`. A provider that
fills in something of the reader's own makes the response private.

**Who gets cached pages.** Everyone but staff and a request carrying a flash message: anonymous
readers, and signed-in readers too, whose own parts (their name, their CSRF token, their waiting
comments) are fills, so the page itself never shows anything of the person asking, and a miss
rendered for a reader is stored like anyone's. Who a session's reader is, read from the session
and the account as Django's middleware reads them, is kept here too (`signed_in_user`): under
the session, for SECONDS at most, retired by the name "reader:<id>" whenever their account
changes (name, address, password, staff status, deletion: `account_changed`), and dropped when
the session signs out (`signed_out`). So a reader's pages after the first cost no query, and a
change to their account shows on their next page. A provider returns what is the reader's own as
`Own`: the response is then private, and its CSRF cookie is set when the fill made a token.
Staff (previews, edit links) and flash messages mean a page of one's own, never stored. A
response that sets a cookie, is marked private or no-store (previews), or varies on anything
but Cookie is never stored either, nor is a page whose names were retired while it rendered
(its purge has gone out already: HTTP caches may keep it a second or two, not a minute).
Tracking parameters (utm_source, fbclid …) are dropped before the page is looked up
(`drop_tracking_parameters`); any other query parameter but those in
PAGE_CACHE["QUERY_PARAMETERS"] is served fresh, so nobody can fill the cache with variants.

Sits under the view counter and above everything else, so a hit costs one cache round trip
(`cached`: the page, its names' stamps, what its fills read and who the session is, in one
`get_many`) and no security, CSP or session middleware: their headers
(the CSP nonce with the body that uses it) are stored with the page. The scheme and host are
part of the key, so a plain-HTTP request never gets the HTTPS page.
"""

import functools
import hashlib
import re
import time
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.template.backends.utils import csrf_input
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string
from markupsafe import Markup

from lifescope import edge

HEADER = "X-Page-Cache"
SITE = "site"
STAMP_PREFIX = "pagecache:retired:"
FRAGMENT_PREFIX = "pagecache:fragment:"
FILL = re.compile(rb"<!--fill:([a-z-]+):([\w.-]*)-->")


def config():
    return settings.PAGE_CACHE


def depends_on(request, *names):
    """Says that the page this request renders shows the things `names` name."""
    request.page_names = getattr(request, "page_names", frozenset()).union(names)


def expires_at(request, when):
    """Says that the page this request renders stops being true at `when` (epoch seconds)."""
    current = getattr(request, "page_expires_at", None)
    request.page_expires_at = when if current is None else min(current, when)


def retire(names):
    """Retires every page that shows one of `names`, once the current transaction commits."""
    names = frozenset(names)
    if names:
        transaction.on_commit(lambda: _stamp(names))


_unstamped = set()  # names this process could not stamp yet


def _stamp(names):
    stamps = {STAMP_PREFIX + name: time.time() for name in names}
    # A stamp must outlive every page and fragment kept from before it.
    lifetime = max(config()["SECONDS"], config()["FRAGMENT_SECONDS"]) + 60
    cache.set_many(stamps, timeout=lifetime)
    pages = [name for name in names if not name.startswith(READER)]  # no page is a reader's
    if pages:
        edge.purge(pages)
    if cache.get_many(list(stamps)).keys() == stamps.keys():
        _unstamped.difference_update(names)
    else:
        _unstamped.update(names)


def current(made_at, names):
    """Whether none of `names` (nor the site) was retired since `made_at`, give or take the
    clocks' skew."""
    stamps = cache.get_many([STAMP_PREFIX + name for name in (SITE, *names)])
    since = made_at - config()["CLOCK_SKEW_SECONDS"]
    return all(stamp < since for stamp in stamps.values())


def fragment(key, names, make, still=None):
    """What `make()` returns, kept until one of the names is retired or FRAGMENT_SECONDS pass,
    or, with `still`, until `still(value)` is false (a value that says how long it holds).

    `names` is a list, or a function of the value for what only the value can tell (an
    article found by its address is "article:<its id>"). A value of None is not kept.
    """
    stored = cache.get(FRAGMENT_PREFIX + key)
    if stored is not None and current(stored[0], stored[1]) and (still is None or still(stored[2])):
        return stored[2]
    started = time.time()
    value = make()
    if value is not None:
        named = tuple(names(value) if callable(names) else names)
        cache.set(FRAGMENT_PREFIX + key, (started, named, value), config()["FRAGMENT_SECONDS"])
    return value


def stamp_missed():
    """Writes the stamps this process could not write while the cache was unreachable."""
    if _unstamped:
        _stamp(frozenset(_unstamped))


def fill(name, arg=""):
    """The placeholder that `fill_response` replaces with provider `name`'s part for `arg`."""
    return Markup(f"<!--fill:{name}:{arg}-->")


class Own(str):
    """What a fill provider returns when the text is the reader's own (see the docstring)."""


CSRF_SLOT = Markup("<!--csrf-input-->")
_own_parts = {}
KEPT = 10_000


def own_part(request, key, render):
    """A reader's own part of a page, as `Own`: `render(csrf_input)` made once in this process
    per `key`, which names all the part shows (its fill, the reader's name …), with the
    reader's CSRF token put where `render` placed `csrf_input` (`CSRF_SLOT`). So a reader's
    part costs a template once, not on every page they read."""
    text = _kept(_own_parts, key, lambda: str(render(CSRF_SLOT)))
    if CSRF_SLOT not in text:
        return Own(text)
    return Own(text.replace(CSRF_SLOT, reader_csrf_input(request)))


_csrf_inputs = {}


def reader_csrf_input(request):
    """The form field with the reader's CSRF token, masked once per reader's secret in this
    process rather than once per page: the mask is Django's guard against BREACH, which reads
    a secret out of compressed responses, and a page of a reader's own is never compressed
    (edge.finish_private). Masking takes 32 calls to the system's random source (~35 µs), a
    tenth of what a signed-in reader's cached page costs. A reader with no secret yet gets one
    (and its cookie) from Django's get_token."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        return str(csrf_input(request))
    return _kept(_csrf_inputs, secret, lambda: str(csrf_input(request)))


def _kept(memo, key, make, replace=False):
    """`memo[key]`, made by `make()` if missing (or always, with `replace`); a memo past KEPT
    entries starts again empty, so nobody can grow it by asking for new things."""
    value = None if replace else memo.get(key)
    if value is None:
        if len(memo) >= KEPT:
            memo.clear()
        value = memo[key] = make()
    return value


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stamp_missed()
        key = self.page_key(request)
        if key is not None:
            started = time.time()
            stored, found = self.cached(key, started, reader_reads(request))
            request.page_cache_found = found
            signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
            if signed_in and signed_in_user(request).is_staff:
                key = stored = None  # previews, edit links: staff get pages of their own
            if stored is not None:
                _, names, until, status, headers, parts, fixed, _ = stored
                response = HttpResponse(status=status, headers=headers)
                response[HEADER] = "hit"
                return fill_response(request, response, parts, (until, names, fixed))
        response = self.get_response(request)
        if key is not None and self.storable(response):
            edge.vary_by_encoding(response)
            parts = split(response.content)
            names = (SITE, *sorted(getattr(request, "page_names", ())))
            headers = [(k, v) for k, v in response.items() if k != HEADER]
            until = self.expiry(request, started)
            fixed = edge.digest(part for part in parts if isinstance(part, bytes))
            fresh = current(started, names)
            if until > time.time() and fresh:
                reads = hit_reads(names, parts)
                stored = (started, names, until, response.status_code, headers, parts, fixed, reads)
                cache.set(key, stored, int(until - started) + 1)
                _kept(_known_reads, key, lambda: reads, replace=True)
            if not fresh:
                # Retired while it rendered, or just before (within the clocks' skew): it may
                # predate a purge that has gone out, so HTTP caches keep it no longer than that.
                until = min(until, time.time() + config()["CLOCK_SKEW_SECONDS"] + 1)
            response[HEADER] = "miss"
            return fill_response(request, response, parts, (until, names, fixed))
        return fill_response(request, response)

    def cached(self, key, now, also=()):
        """(the stored page under `key` if it is still to be served, else None; `found`).

        One cache round trip for the page and all a hit reads besides (`hit_reads`: its names'
        stamps, what its fills read) and the keys `also` (who a session is): what a page's key
        read last time is remembered in this process (`_known_reads`), so only a page seen for
        the first time, or whose reads changed since, costs a second one. `found` holds each key
        asked for, None for those the cache did not have. The page's own end is checked here,
        not left to the cache: the clocks of Redis and of the hosts need not agree to the
        second a scheduled story comes out.
        """
        wanted = [key, *_known_reads.get(key, ()), *also]
        got = cache.get_many(wanted)
        found = {k: got.get(k) for k in wanted}
        stored = found[key]
        if stored is None:
            return None, found
        rendered_at, names, until, reads = stored[0], stored[1], stored[2], stored[7]
        if reads != _known_reads.get(key):
            _kept(_known_reads, key, lambda: reads, replace=True)
            missing = [k for k in reads if k not in found]
            got = cache.get_many(missing)
            found.update({k: got.get(k) for k in missing})
        since = rendered_at - config()["CLOCK_SKEW_SECONDS"]
        stamps = (found.get(STAMP_PREFIX + name) for name in names)
        if now >= until or any(stamp is not None and stamp >= since for stamp in stamps):
            return None, found
        return stored, found

    def expiry(self, request, started):
        """When the page stops being served (epoch seconds)."""
        until = started + config()["SECONDS"]
        return min(until, getattr(request, "page_expires_at", until))

    def page_key(self, request):
        """The cache key of this request's page, or None when it must not come from the cache.
        Names what a view that does not name them itself shows (PAGE_CACHE["VIEWS"])."""
        if not config()["ENABLED"] or request.method != "GET":
            return None
        if request.META.get("QUERY_STRING"):
            drop_tracking_parameters(request)
        if CookieStorage.cookie_name in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
            return None
        if set(request.GET) - set(config()["QUERY_PARAMETERS"]):
            return None
        names = config()["VIEWS"].get(view_name(request.path_info))
        if names is None:
            return None
        try:
            url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        except DisallowedHost:
            return None
        depends_on(request, *names)
        return f"pagecache:page:{hashlib.md5(url.encode()).hexdigest()}"

    def storable(self, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in ("private", "no-store", "no-cache")):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= {"cookie"}


def drop_tracking_parameters(request):
    """Takes the parameters that only tell the sharer's analytics where a reader came from
    (PAGE_CACHE["TRACKING_PARAMETERS"]: utm_source, fbclid …, one new value a click) out of the
    request, before its page is looked up or rendered: a shared link is the page everyone gets.
    Names are matched as sent, not decoded, as deploy/varnish/default.vcl matches them, and the
    rest of the query is kept byte for byte."""
    tracking = re.compile(config()["TRACKING_PARAMETERS"])  # compiled once: re keeps it
    fields = request.META["QUERY_STRING"].split("&")
    kept = [field for field in fields if not tracking.fullmatch(field.partition("=")[0])]
    if len(kept) == len(fields):
        return
    request.META["QUERY_STRING"] = "&".join(kept)
    request.GET = QueryDict(request.META["QUERY_STRING"], encoding=request.encoding)


READER = "reader:"
READER_PREFIX = "pagecache:reader:"


_view_names = {}


def view_name(path):
    """The "namespace:name" of the view at `path` ("" for none), resolved once per path in this
    process (its URL conf never changes), for the most recent KEPT paths: resolving
    walks the URL conf's patterns, a sixth of what a cached page costs."""
    return _kept(_view_names, path, lambda: _resolve_name(path))


def _resolve_name(path):
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return f"{match.namespace}:{match.url_name}"


def signed_in_user(request):
    """The user of the request's session, read as Django's session and authentication
    middleware will (they run below: a cache hit never reaches them), and kept under the
    session (see the docstring): `request.user` is then the account as it was read, for the
    fills of a cached page alone. A session of nobody signed in is not kept, so made-up session
    cookies fill no cache."""
    if not hasattr(request, "session"):
        engine = import_module(settings.SESSION_ENGINE)
        request.session = engine.SessionStore(request.COOKIES[settings.SESSION_COOKIE_NAME])
    if hasattr(request, "user"):
        return request.user
    if request.session.session_key is None:  # not a session key at all
        request.user = auth.get_user(request)
        return request.user
    key = _reader_key(request.session.session_key)
    now = time.time()
    found = getattr(request, "page_cache_found", {})
    kept = found[key] if key in found else cache.get(key)
    if kept is not None:
        made_at, until, user = kept
        stamp_key = STAMP_PREFIX + READER + str(user.pk)
        stamp = found[stamp_key] if stamp_key in found else cache.get(stamp_key)
        if now < until and (stamp is None or stamp < made_at - config()["CLOCK_SKEW_SECONDS"]):
            request.user = user
            return user
    request.user = auth.get_user(request)
    if request.user.is_authenticated:
        until = min(now + config()["SECONDS"], request.session.get_expiry_date().timestamp())
        cache.set(key, (now, until, request.user), int(until - now) + 1)
        _kept(_known_readers, key, lambda: request.user.pk, replace=True)
    return request.user


# Whose each kept session was, as this process last read it (see `reader_reads`).
_known_readers = {}


def reader_reads(request):
    """The cache keys that say who the request's session is, looked up with its page: the kept
    reader, and their account's stamp when this process knows whose the session is."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return ()
    key = _reader_key(session_key)
    user_id = _known_readers.get(key)
    return (key,) if user_id is None else (key, STAMP_PREFIX + READER + str(user_id))


def account_changed(user_id):
    """Retires who the account's sessions were read as, once the transaction commits."""
    retire([READER + str(user_id)])


def signed_out(session_key):
    """Forgets who the session was, as it signs out (it is retired by its user as well)."""
    if session_key:
        cache.delete(_reader_key(session_key))


def _reader_key(session_key):
    return READER_PREFIX + hashlib.sha256(session_key.encode()).hexdigest()[:32]


# What a hit on each page key read besides the page, when this process last stored or read it
# (see `cached`).
_known_reads = {}


def hit_reads(names, parts):
    """The cache keys a hit on a page reads besides the page: its names' stamps, and what its
    fills read, as each fill's provider says with a `cache_keys(arg)` attribute."""
    keys = [STAMP_PREFIX + name for name in names]
    for part in parts:
        if not isinstance(part, bytes):
            keys_of = getattr(_provider(config()["FILLS"][part[0]]), "cache_keys", None)
            keys.extend(keys_of(part[1]) if keys_of else ())
    return tuple(dict.fromkeys(keys))


def prefetched(request, key):
    """What the cache held under `key` when this request's page was looked up with it (see
    `hit_reads`), or None: then ask the cache."""
    return getattr(request, "page_cache_found", {}).get(key)


def split(content):
    """A page's bytes as parts: bytes as they are, and (provider, arg) for each placeholder."""
    parts = FILL.split(content)
    if len(parts) == 1:
        return parts
    # re.split gives text, name, arg, text, name, arg …, text.
    return [
        part if n % 3 == 0 else (part.decode(), parts[n + 1].decode())
        for n, part in enumerate(parts)
        if n % 3 != 2
    ]


# Django's CSRF middleware, for the token a fill puts in a cached page: it reads the CSRF
# cookie before the fills and sets it after them, as it would around a view.
_CSRF = CsrfViewMiddleware(lambda request: None)


# A fill's provider by its dotted path, imported once (every page has several fills).
_provider = functools.cache(import_string)


def fill_response(request, response, parts=None, shared=None):
    """Fills the placeholders of an HTML response for this request (see the module docstring),
    then marks it for HTTP caches (lifescope/edge.py): `shared` is (until, names, digest of
    its fixed parts) for a page everyone shares, None for any other answer."""
    if parts is None and not response.streaming and b"<!--fill:" in response.content:
        parts = split(response.content)
    if parts is not None and "CSRF_COOKIE" not in request.META:
        _CSRF.process_request(request)  # what a fill's get_token() reads (a hit skipped it)
    if parts is None or len(parts) == 1:
        if parts is not None:
            response.content = parts[0]
        if shared is None:
            return edge.finish_private(response)
        return edge.finish_shared(request, response, *shared)
    own = False
    filled, fills = [], []
    for part in parts:
        if isinstance(part, bytes):
            filled.append(part)
            continue
        text = _provider(config()["FILLS"][part[0]])(request, part[1])
        own = own or isinstance(text, Own)
        fills.append(text)
        filled.append(text.encode())
    response.content = b"".join(filled)
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    if own:
        patch_cache_control(response, private=True)  # a page of the reader's own
        _CSRF.process_response(request, response)  # sets the cookie of a token a fill made
    if own or shared is None:
        return edge.finish_private(response)
    until, names, fixed = shared
    return edge.finish_shared(request, response, until, names, edge.digest([fixed, *fills]))
