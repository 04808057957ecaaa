"""Whole-page cache for the pages every reader shares: front, article, section, tag, popular.

One "generation" names the current state of everything readers can see. Page keys include it,
so `bump()` (called by `articles.services.purge_public_caches` after every editorial change,
comment moderation and popular-box refresh) retires every cached page at once: the article, its
section, its tags, the front page and every other page, since each shows the popular box and
the section links anyway. Old pages are never deleted one by one; they expire on their own.

The generation also carries the time of the next scheduled publication. The first request
after that moment starts a new generation, so a scheduled article appears on time; pages live
at most PAGE_CACHE["SECONDS"] besides, for what no event announces (comments closing by age).

Only anonymous readers without our cookies are served from the cache: a session cookie (staff,
a logged-in reader) or a pending flash message means a page of one's own, never stored. A
response that sets a cookie, is marked private or no-store (previews), or varies on anything
but Cookie is never stored either. The comment form on a cached page carries no CSRF token:
see `comments.views.PostCommentView` for why anonymous posting does without one.

Sits under the view counter and above everything else, so a hit is one cache read and costs
no security, CSP or session middleware: their headers (the CSP nonce with the body that uses
it) are stored with the page. The scheme and host are part of the key, so a plain-HTTP request
never gets the HTTPS page (SecurityMiddleware's redirect is a 301, which is not stored).
"""

import hashlib
import time
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

GENERATION_KEY = "pagecache:generation"
SCHEDULE_LOCK_KEY = "pagecache:schedule-lock"
HEADER = "X-Page-Cache"
# Set when this process found the cache failing. A bump made meanwhile may not have reached
# Redis, and a Redis that was cut off rather than restarted comes back holding the pages of the
# old generation; so the first request that finds the cache again starts a new one.
_missed_bumps = False


def config():
    return settings.PAGE_CACHE


def bump():
    """Starts a new generation: every page is rendered afresh on its next request."""
    global _missed_bumps
    state = _new_state()
    cache.set(GENERATION_KEY, state, timeout=None)
    if cache.get(GENERATION_KEY) != state:
        _missed_bumps = True
    return state


def _new_state():
    from articles.models import Article

    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return {"token": uuid.uuid4().hex[:12], "next_publish": upcoming and upcoming.timestamp()}


def current_generation():
    """The generation's token, or None when the page must be rendered without the cache."""
    global _missed_bumps
    state = cache.get(GENERATION_KEY)
    if state is None:
        cache.add(GENERATION_KEY, _new_state(), timeout=None)
        state = cache.get(GENERATION_KEY)
        if state is None:  # the cache is failing (Redis away): serve every page fresh
            _missed_bumps = True
            return None
    if _missed_bumps:
        _missed_bumps = False
        return bump()["token"]
    if state["next_publish"] and time.time() >= state["next_publish"]:
        # A scheduled article is out. One process starts the new generation; the others render
        # fresh pages for the second it takes rather than serve the old ones.
        if not cache.add(SCHEDULE_LOCK_KEY, 1, timeout=5):
            return None
        state = bump()
        cache.delete(SCHEDULE_LOCK_KEY)
    return state["token"]


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.cookie_names = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name}

    def __call__(self, request):
        key = self.page_key(request)
        if key is None:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            status, headers, content = cached
            response = HttpResponse(content, status=status, headers=headers)
            response[HEADER] = "hit"
            return response
        response = self.get_response(request)
        if self.storable(response):
            headers = [(k, v) for k, v in response.items() if k != HEADER]
            cache.set(key, (response.status_code, headers, response.content), config()["SECONDS"])
            response[HEADER] = "miss"
        return response

    def page_key(self, request):
        """The cache key of this request's page, or None when it must not come from the cache."""
        if not config()["ENABLED"] or request.method != "GET":
            return None
        if self.cookie_names.intersection(request.COOKIES) or "HTTP_AUTHORIZATION" in request.META:
            return None
        if set(request.GET) - set(config()["QUERY_PARAMETERS"]):
            # utm_* and the like: served fresh, so nobody can fill the cache with variants.
            return None
        try:
            match = resolve(request.path_info)
            url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        except (Resolver404, DisallowedHost):
            return None
        if f"{match.namespace}:{match.url_name}" not in config()["VIEWS"]:
            return None
        generation = current_generation()
        if generation is None:
            return None
        return f"pagecache:page:{generation}:{hashlib.md5(url.encode()).hexdigest()}"

    def storable(self, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in ("private", "no-store", "no-cache")):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= {"cookie"}
