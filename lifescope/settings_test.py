"""Settings for the test suite: the production settings, with what a test client needs."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-suite-only-key-0123456789abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# Tests that sign staff in to the admin do so with force_login; tests of the second factor turn
# it on (tests/lifescope/test_staff_mfa.py).
os.environ.setdefault("LIFESCOPE_STAFF_MFA", "0")

from lifescope.settings import *  # noqa: E402,F403
from lifescope.settings import CACHES, STORAGES  # noqa: E402

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic; tests check pages, not hashed names.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = "lifescope-test"
# Serve static files from the app folders; the suite never runs collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Tests of a view should see the view run; tests/lifescope/test_page_cache.py turns it on.
# One process, one clock: no margin for hosts whose clocks disagree (tests/lifescope/
# test_page_cache.py sets one where it tests the margin).
PAGE_CACHE = {**PAGE_CACHE, "ENABLED": False, "CLOCK_SKEW_SECONDS": 0}  # noqa: F405
