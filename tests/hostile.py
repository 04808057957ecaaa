"""Hostile requests for the property tests (tests/lifescope/test_hostile_*.py), built with
Hypothesis, and the check every one of them must pass: no 5xx, nothing stored.

Requests are WSGI environ values as a server hands them over: the path percent-decoded, every
value a Latin-1 string of the raw bytes, so invalid UTF-8, NUL and other control characters
reach Django exactly as from the network.
"""

import re
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import quote_from_bytes

from django.apps import apps
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

# Examples sent per (database, route), printed at the end of the run (tests/conftest.py).
EXAMPLES = Counter()

# Values that broke, or could break, a parser somewhere: numbers too long for int(), digits
# that are not ASCII, the ends of the calendar, paths out of a folder, markup, bidi overrides.
SPECIAL = [
    "", " ", "0", "-1", "1", "2", "00", "+1", "1.5", "²", "١٢", "Ⅻ", "9" * 19, "9" * 20,
    "9" * 5000, "-" + "9" * 30, "1e309", "NaN", "inf", "0x1F", "9999-12-31", "0001-01-01",
    "2024-02-30", "10000-01-01", "9999", "13", "1970-01-01T00:00:00", "..", "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd", "/", "//evil.example", "\\", "%", "%00", "%ZZ", "%C0%80", "a" * 300,
    "x" * 5000, "<script>alert(1)</script>", "'\"", "' OR '1'='1", "null", "[]", "{}",
    "__proto__", "\u202eevil", "\ufeff", "é", "東京", "🙂", "\x00", "\t", "\r\n", "\x1b[2J",
    "\x7f", "\x85", "a\x00b",
]  # fmt: skip


# One value of each kind a parser has choked on, tried in every parameter and argument of every
# route as explicit examples; Hypothesis draws the rest.
KEY_VALUES = [
    "9" * 5000, "9" * 20, "9999", "²", "9999-12-31", "0001-01-01", "\x00", "-1", "x" * 5000,
    "%ZZ",
]  # fmt: skip
# Far east of Greenwich, midnight on 0001-01-01 is before the earliest UTC datetime: requests
# are made there, where the first day of the calendar fails as the last does everywhere.
TIME_ZONE = "Asia/Tokyo"


def wsgi(text):
    """`text` as a WSGI server hands it over: its UTF-8 bytes read as Latin-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


raw_bytes = st.binary(max_size=24).map(lambda data: data.decode("latin-1"))
hostile = (
    st.one_of(
        st.sampled_from(SPECIAL),
        # Numbers past int()'s 4,300 digits, past 64 bits, or written in other scripts' digits.
        st.integers(1, 6000).map(lambda length: "9" * length),
        st.integers().map(str),
        st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=4),
        # Dates to the ends of the calendar, times at and past midnight.
        st.dates().map(lambda day: day.isoformat()),
        st.text(max_size=24),
    ).map(wsgi)
    | raw_bytes
)


def value_for(real_values):
    """A real value (an existing slug, id, token …) or a hostile one."""
    if not real_values:
        return hostile
    return st.one_of(st.sampled_from(sorted(real_values)).map(wsgi), hostile)


def query_string(names, real_values):
    """One parameter named from `names` and valued real or hostile, then up to three more of
    any name, percent-encoded as a browser sends them; sometimes unencoded, or raw bytes."""
    name = st.one_of(st.sampled_from(sorted(names)), hostile) if names else hostile
    pair = name.flatmap(lambda drawn: st.tuples(st.just(drawn), value_for(real_values.get(drawn))))
    encoded = st.lists(pair, min_size=1, max_size=4).map(encode)
    unencoded = st.lists(st.tuples(name, hostile), max_size=3).map(
        lambda pairs: "&".join(f"{n}={v}" for n, v in pairs)
    )
    return st.one_of(encoded, unencoded, raw_bytes)


def encode(pairs):
    return "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs)


def quote(latin1):
    return quote_from_bytes(latin1.encode("latin-1"), safe="")


# Headers a page, a cache, a client-address or a static-file check reads.
HEADERS = {
    "HTTP_USER_AGENT": ["Mozilla/5.0 (X11; Linux x86_64)", "Googlebot/2.1"],
    "HTTP_COOKIE": ["sessionid=abc", "csrftoken=" + "a" * 32, "messages=x"],
    "HTTP_REFERER": ["https://news.example/"],
    "HTTP_ACCEPT_LANGUAGE": ["en-GB,en;q=0.9", "*"],
    "HTTP_ACCEPT": ["text/html", "*/*"],
    "HTTP_ACCEPT_ENCODING": ["gzip, br", "identity"],
    "HTTP_X_FORWARDED_FOR": ["203.0.113.9", "203.0.113.9, 10.0.0.1", "unknown"],
    "HTTP_ORIGIN": ["https://evil.example", "null"],
    "HTTP_HOST": ["evil.example", "testserver:99999", "[::1", "testserver"],
    "HTTP_IF_MODIFIED_SINCE": ["Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"],
    "HTTP_IF_NONE_MATCH": ['"abc"', "*"],
    "HTTP_RANGE": ["bytes=0-10", "bytes=-5", "bytes=999999999999-", "bytes=5-1"],
    "HTTP_AUTHORIZATION": ["Basic Zm9vOmJhcg=="],
    "HTTP_SEC_PURPOSE": ["prefetch"],
    "HTTP_X_REQUESTED_WITH": ["XMLHttpRequest"],
    "REMOTE_ADDR": ["127.0.0.1", "::1", "", "not-an-address"],
}
headers = st.lists(st.sampled_from(sorted(HEADERS)), unique=True, max_size=3).flatmap(
    lambda names: st.fixed_dictionaries({name: value_for(HEADERS[name]) for name in names})
)


# --- Routes ----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


class Route:
    """One URL pattern: its name and its path with named placeholders for the arguments."""

    def __init__(self, template, name, namespace):
        self.template = template.lstrip("^").rstrip("$")
        shown = PLACEHOLDER.sub(lambda m: f"<{m['name'] or m['group']}>", self.template)
        self.name = f"{namespace}:{name}" if namespace and name else name or shown
        self.arguments = [m["name"] or m["group"] for m in PLACEHOLDER.finditer(self.template)]

    def __repr__(self):
        return self.name

    def path(self, values):
        """PATH_INFO with the placeholders filled in order from `values` (WSGI strings)."""
        filled = iter(values)
        return "/" + PLACEHOLDER.sub(lambda m: next(filled), self.template)


def routes(include_admin=False):
    """Every URL pattern the resolver knows, outside the admin unless asked: new routes are
    covered the day they are added."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner != "admin" or include_admin:
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield Route(prefix + str(pattern.pattern).lstrip("^"), pattern.name, namespace)

    return list(walk(get_resolver().url_patterns, "", None))


def path_for(route, real_values):
    """The route's path, each argument real or hostile; sometimes with a hostile tail."""
    arguments = st.tuples(*(value_for(real_values.get(name)) for name in route.arguments))
    tail = st.one_of(st.just(""), hostile)
    return st.tuples(arguments, tail).map(lambda drawn: route.path(drawn[0]) + drawn[1])


# --- Sending and checking --------------------------------------------------------------------


# Bookkeeping that a refused request must write: a client's rate-limit count
# (comments.moderation), a failed sign-in (django-axes). Nothing a reader or editor sent.
BOOKKEEPING = {"comments_ratelimitwindow", "axes_accessattempt", "axes_accessfailurelog"}


def row_counts():
    """The number of rows of every model's table but bookkeeping, in one query."""
    models = apps.get_models(include_auto_created=True)
    tables = sorted({m._meta.db_table for m in models} - BOOKKEEPING)
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def send(client, route, method="GET", path="/", query="", environ=None, body=None, stores=()):
    """Sends one request and checks it: no 5xx (an exception fails the test, as the test client
    raises it), and no row added, changed in number or removed unless the response status is
    in `stores` (an accepted post). Whatever it did is rolled back, so every example starts
    from the same site."""
    EXAMPLES[connection.vendor, repr(route)] += 1
    cookies = SimpleCookie(client.cookies)
    environ = {**(environ or {}), "PATH_INFO": path, "QUERY_STRING": query}
    before = row_counts()
    with transaction.atomic():
        # The path given to the client only fills PATH_INFO, which `environ` replaces.
        if body is None:
            response = client.generic(method, "/", **environ)
        else:
            content_type, data = body
            response = client.generic(method, "/", data, content_type, **environ)
        assert response.status_code < 500, (method, path, query, environ, body)
        if response.status_code not in stores:
            assert row_counts() == before, (method, path, query, environ, body)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response
