"""reverse() and static(), remembered per process.

Every page asks for the same addresses on each request (its article, section and author, the
front page; a listing, each of its stories'), and each reverse() costs about 25 µs, each
static() about 15 µs. The URL conf and the script prefix are part of the key, so a site mounted
under a prefix gets addresses of its own. A deploy restarts the workers, which forget them.
"""

from functools import lru_cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse


def url(name, *args, **kwargs):
    """reverse(name, args=args, kwargs=kwargs), remembered."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(urlconf, get_script_prefix(), name, args, tuple(sorted(kwargs.items())))


@lru_cache(maxsize=4096)
def _reverse(urlconf, prefix, name, args, kwargs):
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


@lru_cache(maxsize=256)
def static_url(path):
    """static(path), remembered: the manifest of hashed names is read once per process."""
    return static(path)
