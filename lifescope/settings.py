"""Lifescope News settings, read from the environment (see the README's table).

With nothing set, the site runs embedded: SQLite under var/, local media, an in-process
cache. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis for multi-process serving.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

from lifescope.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LIFESCOPE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "Set it to a long random string, or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # allauth's list of passkeys ("added 3 days ago") loads its template tags.
    "django.contrib.humanize",
    "taggit",
    "csp",
    "articles",
    "analytics",
    "comments",
    "django_prose_editor",
    "editorial",
    "accounts",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
]

MIDDLEWARE = [
    # Outermost, above any page cache, so it counts cached article pages too and strips its
    # marker header from every response.
    "analytics.middleware.ViewCounterMiddleware",
    # Whole public pages for anonymous readers; a hit skips every middleware below.
    "lifescope.page_cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "lifescope.security.PermissionsPolicyMiddleware",
    # Before anything reads the body or queries with a parameter: oversized bodies and control
    # characters are refused here (lifescope/guard.py).
    "lifescope.guard.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Signs out a reader whose account was deleted or deactivated, and ends half-finished
    # sign-ins (a second factor never given) when the reader wanders off.
    "allauth.account.middleware.AccountMiddleware",
    # Staff without the second factor LIFESCOPE_STAFF_MFA asks for may only set one up.
    "lifescope.signin.StaffSecondFactorMiddleware",
    # Innermost, as django-axes asks: it turns a refused sign-in into the lock-out page on the
    # way out, and every middleware above still dresses that page (CSP, frame and security
    # headers, cookies).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lifescope.urls"
WSGI_APPLICATION = "lifescope.wsgi.application"

# Two template languages, in two folders, so neither backend ever finds the other's files:
# templates/jinja2/ holds every page a reader sees (compiled Jinja2, several times faster than
# the Django template language: issue #7), templates/django/ the admin side and crawler files.
# Jinja2 comes first: it is asked for the pages served most (and for 404.html and friends).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "lifescope.jinja2.environment",
            "trim_blocks": True,
            "lstrip_blocks": True,
            "context_processors": ["django.contrib.messages.context_processors.messages"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "django"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The site's header and footer on allauth's pages (lifescope/layout.py).
            "libraries": {"layout": "lifescope.layout"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "lifescope.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE transactions take the write lock up
    # front, so concurrent writers queue on the busy timeout instead of failing with
    # "database is locked" when a read lock cannot be upgraded. Connections persist like
    # PostgreSQL's: opening one per request cost ~1 ms and started SQLite's page cache cold.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Page queries are short: parallel workers only add latency when many requests run at once,
    # and articles/search/postgres.py relies on a serial Append to read its ranking tiers in order.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c max_parallel_workers_per_gather=0"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Names the code that is deployed (a commit, a version): see the cache's KEY_PREFIX.
RELEASE = env_str("LIFESCOPE_RELEASE", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # The release in the prefix: a deploy never serves pages or fragments rendered by
            # the code before it (templates, helpers), and old entries expire on their own.
            "KEY_PREFIX": ":".join(
                filter(None, [env_str("LIFESCOPE_CACHE_PREFIX", "lifescope"), RELEASE])
            ),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A Redis outage degrades to cache misses rather than 500s.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "lifescope",
            # Pages (~40 KB each), their names' stamps and the boxes: Django's 300 would make
            # pages push each other out; this bounds a worker's cache near 40 MB.
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }

# --- Page cache -----------------------------------------------------------------------------
# lifescope/page_cache.py: pages are retired by the names of what they show, so this is only the
# limit for what no event announces (related stories, comments closing with age).
PAGE_CACHE = {
    "ENABLED": env_bool("LIFESCOPE_PAGE_CACHE", True),
    "SECONDS": env_int("LIFESCOPE_PAGE_CACHE_SECONDS", 60),
    # Fragments of pages (an article, its tags, its comments) are kept this long at most, and
    # retired with the pages that show them.
    "FRAGMENT_SECONDS": env_int("LIFESCOPE_FRAGMENT_SECONDS", 3600),
    # How far the clocks of the hosts may disagree: a change retires the pages rendered up to
    # this long before it, as well as all those before.
    "CLOCK_SKEW_SECONDS": 1.0,
    # The pages kept, by view name, with the names of what they show when their view does not
    # say it itself (the feeds and sitemaps list the newest stories, as the front page does).
    "VIEWS": {
        "articles:front_page": (),
        "articles:detail": (),
        "articles:section": (),
        "articles:tag": (),
        "articles:author": (),
        "articles:archive": (),
        "articles:archive_year": (),
        "articles:archive_month": (),
        "analytics:popular": (),
        "articles:feed_latest": ("front",),
        "articles:feed_atom": ("front",),
        "articles:section_feed": ("front",),
        "articles:tag_feed": ("front",),
        ":sitemap": ("front",),
        ":sitemap_section": ("front",),
        ":sitemap_news": ("front",),
    },
    # For HTTP caches in front (lifescope/edge.py): how long a page may be served stale while
    # it is fetched again, and while the site is failing.
    "STALE_WHILE_REVALIDATE": 30,
    "STALE_IF_ERROR": 24 * 3600,
    # HTTP caches to purge when pages are retired (deploy/varnish/default.vcl), e.g.
    # http://127.0.0.1:6081/ (an xkey PURGE) or "BAN http://127.0.0.1:6081/" (lifescope/edge.py);
    # and a function of the names to call as well (a CDN's API).
    "PURGE_URLS": env_list("LIFESCOPE_PURGE_URLS", []),
    "PURGE_HOOK": env_str("LIFESCOPE_PURGE_HOOK", "") or None,
    # Any other query parameter is served fresh, so variants cannot fill the cache, but for
    # those that only tell the sharer's analytics where a reader came from (a new fbclid each
    # click): dropped before the page is looked up. deploy/varnish/default.vcl drops the same
    # names (tests/lifescope/test_varnish_purges.py holds the two equal).
    "QUERY_PARAMETERS": {"page", "window"},
    "TRACKING_PARAMETERS": (
        "utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|twclid"
        "|ttclid|_ga|_gl"
    ),
    # What the placeholders of a page are filled with as it is served: provider(request, arg).
    "FILLS": {
        "popular": "analytics.rankings.popular_box",
        "pending-comments": "comments.pending.own_pending_comments",
        "comment-reader": "comments.fills.comment_reader",
        # The header's "Sign in", or a signed-in reader's name and account links.
        "account": "accounts.fills.account_link",
    },
}

# --- Sessions -------------------------------------------------------------------------------
# With Redis, sessions are read from the cache and written through to the database: any process
# can serve any reader, and a Redis restart logs nobody out. Without it, database sessions.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signing in by e-mail address (readers have no username to remember).
    "allauth.account.auth_backends.AuthenticationBackend",
]
# --- Staff sign-in --------------------------------------------------------------------------
# One sign-in for readers and staff: django-allauth's (the admin's login page sends there), with
# django-axes counting failed passwords and allauth.mfa asking staff for a second factor. The
# whole design: README, "Staff sign-in"; the code: lifescope/signin.py.
LOGIN_URL = "account_login"
# A staff account (is_staff) without an authenticator may not use the admin until it has set up
# one: on by default in production, off in development (`make run`) so the demo accounts sign in
# with their password alone.
LIFESCOPE_STAFF_MFA = env_bool("LIFESCOPE_STAFF_MFA", not DEBUG)
# An authenticator app (TOTP), a passkey or security key (WebAuthn, where the browser offers
# one), and recovery codes for a lost phone. A passkey also signs in on its own: it has no
# secret to guess, and allauth limits those sign-ins per client (MFA_RATE_LIMITS).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Lifescope News"
# Passkeys need HTTPS; the development server is plain HTTP on localhost, which browsers allow.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
ACCOUNT_FORMS = {"reset_password": "lifescope.signin.DeferredResetPasswordForm"}
# An address without an account gets no e-mail at all, as an inactive account's does not.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# A password reset link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_PASSWORD_RESET_TIMEOUT", 60 * 60)
# Failed sign-ins, counted by django-axes in the database (its database handler: the same on
# SQLite and PostgreSQL, and untouched by a Redis outage). After AXES_FAILURE_LIMIT failures
# within the cool-off, for one account from anywhere or from one client for any accounts,
# every sign-in there is refused, even with the right password, until the cool-off has passed.
AXES_FAILURE_LIMIT = env_int("LIFESCOPE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIFESCOPE_LOGIN_COOLOFF_MINUTES", 15))
# Two independent counts: a password spray from one address and a distributed guess at one
# account are both stopped.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# allauth posts `login`, an e-mail address: the account it names is what axes counts against,
# however the address is spelt (lifescope.signin.account_key).
AXES_USERNAME_CALLABLE = "lifescope.signin.account_key"
# The client as our trusted proxies name it, the same address comment limits and view
# counting use; never a raw X-Forwarded-For, which any client can write.
AXES_CLIENT_IP_CALLABLE = "lifescope.client.client_ip"
# A successful sign-in clears the failures against its account (only: see SignInAttempts).
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "lifescope.signin.SignInAttempts"
# Refused tries do not extend the pause, so the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "lifescope.signin.paused_response"
# Lock-outs and failures are still logged; not every routine reset and clean-up on each sign-in.
AXES_VERBOSE = False

# --- Accounts (django-allauth) --------------------------------------------------------------
# Readers sign up with an e-mail address and a password, and verify the address by a link
# before their comments count as a member's. No answer tells whether an address has an account.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lifescope News] "
# The site's rules where they meet allauth's (accounts/adapter.py): clients as lifescope/client.py
# names them, and wrong passwords left to django-axes.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Readers choose the name their comments show (accounts/forms.py); nothing names a login.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_USER_DISPLAY = "accounts.forms.display_name"
# Where a sign-in without a page to go back to lands: "My account".
LOGIN_REDIRECT_URL = "accounts:profile"
# allauth counts these in the cache (Redis, shared by every process; without it, each process's
# own memory) and refuses what it counts while the cache is away (65.22 waits a second for a
# lock, then answers 429). Sign-in attempts are django-axes' to count, in the database, so
# signing in works through a Redis outage. "login_failed" (allauth's default, 5 per account in
# 5 minutes) now counts only wrong second-factor codes (accounts/adapter.py).
ACCOUNT_RATE_LIMITS = {
    "login": None,
    # Sign-up floods: new accounts one client may ask for.
    "signup": env_str("LIFESCOPE_SIGNUP_RATE_LIMIT", "5/h/ip"),
    # Password reset requests: one client may ask this often an hour (then a 429 page), one
    # address receives this many e-mails, whoever asks.
    "reset_password": "{}/h/ip,{}/h/key".format(
        env_int("LIFESCOPE_RESET_REQUESTS_PER_CLIENT", 10),
        env_int("LIFESCOPE_RESET_EMAILS_PER_ADDRESS", 3),
    ),
}

# Sign-in with Google, off unless both are set (README, "Reader accounts"): the provider's app is
# installed only then, so no button shows otherwise. Google's consent page is reached by a form
# post that redirects there, which the CSP's form-action must allow (see below).
GOOGLE_CLIENT_ID = env_str("LIFESCOPE_GOOGLE_CLIENT_ID")
if GOOGLE_CLIENT_ID:
    if not env_str("LIFESCOPE_GOOGLE_CLIENT_SECRET"):
        raise ImproperlyConfigured(
            "LIFESCOPE_GOOGLE_CLIENT_ID is set without LIFESCOPE_GOOGLE_CLIENT_SECRET."
        )
    INSTALLED_APPS.append("allauth.socialaccount.providers.google")
    SOCIALACCOUNT_PROVIDERS = {
        "google": {
            "APPS": [
                {
                    "client_id": GOOGLE_CLIENT_ID,
                    "secret": env_str("LIFESCOPE_GOOGLE_CLIENT_SECRET"),
                    "key": "",
                }
            ],
            "SCOPE": ["profile", "email"],
        }
    }

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Embedded installs have no separate web server for uploads; a CDN or object store sets this off.
SERVE_MEDIA = env_bool("LIFESCOPE_SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media on S3-compatible object storage (AWS, MinIO, R2 …) when a bucket is named, so every host
# sees every upload. Keys come from boto3's usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
# Uploads and renditions go through the storage API only (lifescope/renditions.py).
S3_BUCKET = env_str("LIFESCOPE_S3_BUCKET")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("LIFESCOPE_S3_ENDPOINT_URL") or None,
            "region_name": env_str("LIFESCOPE_S3_REGION") or None,
            # A CDN or public bucket host; images are public, so URLs carry no signature.
            "custom_domain": env_str("LIFESCOPE_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            # A second upload of photo.jpg gets its own name instead of replacing the first.
            "file_overwrite": False,
        },
    }
    SERVE_MEDIA = False
# Uploads larger than this are written to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Client addresses -----------------------------------------------------------------------
# Addresses or networks of our own reverse proxies and load balancers: only they may name the
# client in X-Forwarded-For (lifescope/client.py). View counting and comment rate limits both
# depend on it: unset behind a balancer, every reader looks like one client.
TRUSTED_PROXIES = env_list("LIFESCOPE_TRUSTED_PROXIES", [])

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_str("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (env_str("DJANGO_SECURE_PROXY_SSL_HEADER"), "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Lifescope News <news@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ---------------------------------------------------------------------------------
# One JSON object per line in production, so log shippers need no parsing rules.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {
        "once_per_interval": {"()": "lifescope.log_filters.OncePerInterval"},
        "once_per_interval_per_logger": {
            "()": "lifescope.log_filters.OncePerInterval",
            "per_logger": True,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # django-redis logs every cache call it gives up on; one line per burst says it as well.
        "django_redis.cache": {"filters": ["once_per_interval"]},
        # Scans with forged Host headers or ../ paths: Django logs each request with its
        # traceback, and each host or path makes a new message. Still answered 400 each.
        "django.security.DisallowedHost": {"filters": ["once_per_interval_per_logger"]},
        "django.security.SuspiciousFileOperation": {"filters": ["once_per_interval_per_logger"]},
    },
}

# --- Comments -------------------------------------------------------------------------------
# Every rule of comments.moderation.ModerationPolicy reads its figure from here.
COMMENTS = {
    "MAX_LENGTH": 3000,
    # Replies nest this many levels below a top-level comment.
    "MAX_DEPTH": 3,
    # Bots post the moment a form arrives; people take longer than this to write.
    "MIN_SECONDS_TO_SUBMIT": env_int("LIFESCOPE_COMMENTS_MIN_SECONDS", 3),
    # An older form must be reloaded, so a harvested one cannot be replayed for ever.
    "FORM_MAX_AGE_SECONDS": 2 * 24 * 60 * 60,
    # Two budgets per client and window (comments/moderation.py): comments it may post, and
    # attempts that may be refused (too short, too fast...) before it counts as flooding.
    "RATE_LIMIT_POSTS": env_int("LIFESCOPE_COMMENTS_RATE_LIMIT", 5),
    "RATE_LIMIT_REFUSALS": env_int("LIFESCOPE_COMMENTS_REFUSAL_LIMIT", 30),
    "RATE_LIMIT_SECONDS": 10 * 60,
    # More links than this and the comment is held as spam.
    "MAX_LINKS": env_int("LIFESCOPE_COMMENTS_MAX_LINKS", 2),
    # Whole words or phrases (any case) that hold a comment as spam.
    "BLOCKLIST": env_list("LIFESCOPE_COMMENTS_BLOCKLIST", ["casino", "viagra", "payday loan"]),
    # Days after publication when an article stops taking comments; None keeps them open.
    "CLOSE_AFTER_DAYS": env_int("LIFESCOPE_COMMENTS_CLOSE_AFTER_DAYS", 30),
    # None moderates every comment; N publishes comments on articles younger than N days at once.
    "MODERATE_AFTER_DAYS": env_int("LIFESCOPE_COMMENTS_MODERATE_AFTER_DAYS", None),
    # Publish at once when the reader had a comment approved before (same e-mail address from
    # the same client: an address alone is too easy to borrow). Accounts earn trust below.
    "AUTO_APPROVE_RETURNING": env_bool("LIFESCOPE_COMMENTS_AUTO_APPROVE_RETURNING", False),
    # A signed-in reader with a verified address and this many approved comments is trusted:
    # their comments are published at once. 0 trusts no reader.
    "TRUSTED_AFTER_APPROVED": env_int("LIFESCOPE_COMMENTS_TRUSTED_AFTER_APPROVED", 3),
    # Reply e-mails (comments/replies.py): at most one per reader and article in this long, and
    # their unsubscribe links work for this many seconds.
    "REPLY_EMAIL_INTERVAL": timedelta(days=1),
    "UNSUBSCRIBE_LINK_MAX_AGE": 60 * 24 * 60 * 60,
    # Prefix for links in notification e-mails, e.g. https://news.example.com; without it they
    # use the address the request that caused the e-mail reached the site at.
    "SITE_URL": env_str("LIFESCOPE_SITE_URL", ""),
}

# --- Analytics ------------------------------------------------------------------------------
# The path of a view is described once, in analytics/counting.py.
ANALYTICS = {
    # Off makes the view counter a no-op; the benchmark compares both.
    "COUNT_VIEWS": env_bool("LIFESCOPE_COUNT_VIEWS", True),
    # A visitor's read counts unless one of theirs of the same article was counted this close.
    "DEDUPE_SECONDS": env_int("LIFESCOPE_VIEW_DEDUPE_SECONDS", 30 * 60),
    # Each process appends its views to a file of its own here (analytics/viewlog.py); one
    # folder per host, never shared between hosts.
    "LOG_DIR": VAR_DIR / "views",
    # The logs reach the database at most this often, flushed after a response by the process
    # serving it, so rankings and admin figures lag by about this much. 0 leaves flushing to
    # `manage.py flush_views` alone (e.g. from cron).
    "FLUSH_SECONDS": env_int("LIFESCOPE_VIEW_FLUSH_SECONDS", 1),
    # Rankings (and the popular box) are served from the cache and recomputed at most this often.
    "RANKING_CACHE_SECONDS": 60,
    # The window the "Popular posts" box ranks by and /popular/ opens on: 24h, 7d, 30d, all,
    # trending.
    "POPULAR_WINDOW": env_str("LIFESCOPE_POPULAR_WINDOW", "7d"),
    "POPULAR_BOX_SIZE": 5,
    "TRENDING_HALF_LIFE_DAYS": 2,
    "POPULAR_PAGE_SIZE": 20,
}

# --- Discovery ------------------------------------------------------------------------------
DISCOVERY = {
    "FEED_ITEMS": 20,
    # Google News only takes articles from the last two days.
    "NEWS_SITEMAP_HOURS": 48,
    "SEARCH_RESULTS_PER_PAGE": 10,
    # None picks the database's own full-text search; "like" forces the portable fallback.
    "SEARCH_BACKEND": None,
    "RELATED_COUNT": 4,
    "RELATED_CACHE_SECONDS": 60,
    # The publisher's logo in structured data: a raster image (Google takes no SVG) of at least
    # 112 px a side, with its size. static/logo.png is the favicon's design, drawn with Pillow.
    "PUBLISHER_LOGO": {"path": "logo.png", "width": 512, "height": 512},
    # The site's account for Twitter/X cards, e.g. "@lifescopenews"; empty leaves it out.
    "TWITTER_SITE": env_str("LIFESCOPE_TWITTER_SITE", ""),
}

# --- Security headers -----------------------------------------------------------------------
# Pages load only what this site serves: no remote scripts, styles, fonts or frames. Hostile HTML
# that slips past the sanitiser still cannot run or phone home. An inline <script> needs
# `nonce="{{ request.csp_nonce }}"`; JSON-LD data blocks are not executed and need none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    },
}
if GOOGLE_CLIENT_ID:
    # Signing in with Google posts to this site, which redirects to Google's consent page.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append("https://accounts.google.com")
# Features no page of a news site uses; `[]` denies them to the page and every frame in it.
# (Browsers log an error for a feature name they do not know, so only current names go here.)
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "serial", "midi",
        "magnetometer", "gyroscope", "accelerometer", "display-capture", "browsing-topics",
    )
}  # fmt: skip

# --- Editorial ------------------------------------------------------------------------------
EDITORIAL = {
    # A shared preview link works without logging in for this long; edits made meanwhile show
    # through it, so a colleague always sees the current draft.
    "PREVIEW_LINK_MAX_AGE": env_int("LIFESCOPE_PREVIEW_LINK_MAX_AGE", 3 * 24 * 60 * 60),
    # Hero renditions, made once after the upload is saved; none is wider than the original.
    "RENDITION_WIDTHS": (480, 800, 1200, 1600),
    "RENDITION_QUALITY": {"WEBP": 78, "JPEG": 80},
    # Each rendition's most bytes: a grainy photo steps its quality down, not below the floor
    # (where a very grainy, tall picture may stay over budget).
    "RENDITION_MAX_BYTES": 300 * 1024,
    "RENDITION_MIN_QUALITY": {"WEBP": 30, "JPEG": 35},
}

# --- Lifescope ------------------------------------------------------------------------------
LIFESCOPE = {
    "SITE_NAME": "Lifescope News",
    "ARTICLES_PER_PAGE": env_int("LIFESCOPE_ARTICLES_PER_PAGE", 10),
    # How long the sidebar boxes may be stale; edits in the admin purge them at once.
    "SIDEBAR_CACHE_SECONDS": 60,
    "HERO_IMAGE_MAX_BYTES": 15 * 1024 * 1024,
    # Bodies sent to readers' pages (a comment) longer than this are refused before they are
    # read: a 3,000-character comment of emoji, percent-encoded, is about 36 KB. The admin takes
    # a hero image at its limit and DATA_UPLOAD_MAX_MEMORY_SIZE more (lifescope/guard.py).
    "FORM_MAX_BYTES": 64 * 1024,
    "HERO_IMAGE_MAX_PIXELS": 40_000_000,
    "HERO_IMAGE_FORMATS": ("JPEG", "PNG", "WEBP", "GIF"),
}
