"""The Jinja2 environment of the public pages (templates/jinja2/; the admin keeps the DTL).

Readers' pages render through Jinja2 because it compiles templates to Python: an article page
of some 750 nodes took ~18 ms in the Django template language and a fraction of that here
(issue #7). This module gives templates what Django's built-in tags gave them (`static`, `url`,
dates, numbers); each app adds the functions that replace its own template tags, from its
`jinja.py`, so `articles` never learns about `comments`.
"""

import datetime
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import import_module

from django.utils import timezone
from django.utils.html import linebreaks as django_linebreaks
from django.utils.text import Truncator
from jinja2 import Environment
from markupsafe import Markup

from lifescope.addresses import static_url, url
from lifescope.page_cache import fill

# Apps whose `register(environment)` adds their template helpers.
HELPER_MODULES = ("articles.jinja", "comments.jinja", "analytics.jinja")

# English names: the site is written in English and does not translate (no i18n lookups).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def environment(**options):
    env = Environment(**options)
    env.globals.update(
        static=static_url,
        url=url,
        querystring=querystring,
        current_year=current_year,
        time_tag=time_tag,
        fill=fill,
    )
    env.filters.update(
        date=date,
        truncatechars=truncatechars,
        linebreaks=linebreaks,
        rounded=rounded,
        whole_number=whole_number,
        pluralize=pluralize,
    )
    for module in HELPER_MODULES:
        import_module(module).register(env)
    return env


def querystring(request, **changes):
    """The request's query string with `changes` applied, like Django's {% querystring %}."""
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return f"?{params.urlencode()}"


def current_year():
    return datetime.datetime.now(timezone.get_default_timezone()).year


def date(value, format):
    """`value` in the site's time zone, formatted with a subset of Django's date letters.

    c: ISO 8601; Y: year; F: month name; j: day of month; H: hour, 00-23; i: minutes;
    e: time zone name. Anything else in `format` that is a letter is refused, not guessed.
    """
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.get_default_timezone())
    return _format(value, format)


def time_tag(value, format):
    """`<time datetime="(ISO 8601)">(value in `format`)</time>`, in the site's time zone.

    The machine-readable time is given in whole seconds: HTML allows at most three digits of a
    fraction, and Python's isoformat() writes six whenever there are microseconds.

    Readers' pages show the newsroom's time (settings.TIME_ZONE, named by the "e" letter) and
    never activate a reader's zone: asking Django for the active zone reads a context-local,
    which cost more than the formatting, some forty times a page.
    """
    return _time_tag(value, timezone.get_default_timezone(), format)


@lru_cache(maxsize=4096)
def _time_tag(value, zone, format):
    # Remembered: the same stories and comments are shown request after request.
    local = value.astimezone(zone)
    machine = local.replace(microsecond=0).isoformat()
    return Markup('<time datetime="%s">%s</time>') % (machine, _format(local, format))


def _format(value, format):
    return "".join(part(value) if callable(part) else part for part in _parse(format))


_LETTERS = {
    "c": lambda value: value.isoformat(),
    "Y": lambda value: str(value.year),
    "F": lambda value: MONTHS[value.month - 1],
    "j": lambda value: str(value.day),
    "H": lambda value: f"{value.hour:02d}",
    "i": lambda value: f"{value.minute:02d}",
    "e": lambda value: (value.tzname() or "") if getattr(value, "tzinfo", None) else "",
}


@lru_cache(maxsize=64)
def _parse(format):
    parts = []
    for char in format:
        if char in _LETTERS:
            parts.append(_LETTERS[char])
        elif char.isalpha():
            raise ValueError(f"Unsupported date format letter {char!r} in {format!r}")
        else:
            parts.append(char)
    return tuple(parts)


def truncatechars(value, length):
    """Django's truncatechars. A value that fits is returned as it is, without Truncator's walk
    over every character and its translation lookup: that is nearly every summary."""
    value = unicodedata.normalize("NFC", str(value))
    if len(value) <= length:
        return value
    return Truncator(value).chars(length)


def linebreaks(value):
    """Paragraphs and line breaks for plain text, the text itself escaped."""
    return Markup(django_linebreaks(value, autoescape=True))


def rounded(value):
    """`value` to the nearest whole number, halves up (as people round, not as floats do)."""
    return Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def whole_number(value):
    """12345.6 -> "12,346": rounded, with thousands separators."""
    return f"{rounded(value):,}"


def pluralize(count, forms="s"):
    """Nothing or "s" after `count`; or the singular or plural of "story,stories"."""
    singular, plural = forms.split(",") if "," in forms else ("", forms)
    return singular if Decimal(str(count)) == 1 else plural
