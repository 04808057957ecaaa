"""Who is reading: a private visitor key, and whether it is a person or a bot."""

import datetime
import hashlib
from functools import lru_cache

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.utils import timezone

from lifescope.client import client_ip

# Browsers announce speculative loads; none of them is a reader yet.
PURPOSE_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
SPECULATIVE_WORDS = ("prefetch", "prerender", "preview")
# Longer user agents are cut before matching, so a hostile one cannot make matching slow.
MAX_USER_AGENT = 512

_crawlers = CrawlerDetect()


def visitor_key(request, today=None):
    """A daily-rotating keyed hash of address and user agent: no address is ever stored.

    The key comes from SECRET_KEY and the date, so yesterday's keys cannot be linked to
    today's, nor recomputed by anyone without the secret.
    """
    secret = _daily_secret(settings.SECRET_KEY, (today or counting_day()).isoformat())
    identity = f"{client_ip(request)}\n{user_agent(request)}".encode()
    return hashlib.blake2b(identity, key=secret, digest_size=16).hexdigest()


@lru_cache(maxsize=4)
def _daily_secret(secret_key, day):
    key = hashlib.sha256(secret_key.encode()).digest()
    return hashlib.blake2b(f"lifescope.visitor.{day}".encode(), key=key, digest_size=32).digest()


def user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT]


def is_bot(request):
    """Known crawlers, by the maintained CrawlerDetect list (it caches recent answers)."""
    return _crawlers.is_crawler(user_agent(request))


def is_speculative(request):
    """A prefetch or prerender the browser may never show to the reader."""
    for header in PURPOSE_HEADERS:
        value = request.META.get(header)
        if value and any(word in value.lower() for word in SPECULATIVE_WORDS):
            return True
    return False


def counting_day():
    """The date in TIME_ZONE, which days of views are counted in.

    Not timezone.localdate(): that looks up the active time zone, a cost on every view, and
    no reader's own time zone is ever activated for counting.
    """
    return datetime.datetime.now(timezone.get_default_timezone()).date()
