"""The edge of the site: requests no view should ever see are refused here, once, with a page
that says why.

- **Oversized bodies** (413), judged on their declared length before a byte is read: a reader's
  form may be `LIFESCOPE["FORM_MAX_BYTES"]`; the admin takes a hero image at its limit and the
  rest of the article form (Django's own cap on fields, DATA_UPLOAD_MAX_MEMORY_SIZE). Django
  reads no body that comes without a length (it takes it as empty), so `read_chunked_bodies`,
  around the WSGI application, reads one sent in chunks up to its limit and hands it on with
  its length.
- **Control characters** (400): C0 controls and DEL in the path, in cookies, in query and form
  parameters' names and in their values, save the tab and line breaks people type in a text
  box. No link, form or browser sends the rest, and PostgreSQL refuses NUL in text, so a
  filter, a search or a save that met one failed. Headers that are stored are cleaned where
  they are read (lifescope.client.user_agent).

Reading request.POST here parses a form before the views do, so no view may change
request.upload_handlers (CsrfViewMiddleware reads POST as early for the same forms anyway).
"""

import io
import re
import tempfile

from django.conf import settings
from django.core.handlers.wsgi import get_path_info
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What a text box may send: tab, line feed and carriage return.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CHUNK = 64 * 1024


def body_limit(path_info):
    """The most bytes a request body to `path_info` may have."""
    if _in_admin(path_info):
        return settings.LIFESCOPE["HERO_IMAGE_MAX_BYTES"] + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.LIFESCOPE["FORM_MAX_BYTES"]


def _in_admin(path_info):
    try:
        return resolve(path_info).namespace == "admin"
    except Resolver404:
        return False


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        size = _declared_length(request.META)
        if size and size > body_limit(request.path_info):
            return _too_large(request, size)
        problem = _control_character(request)
        if problem:
            return render(request, "400.html", problem, status=400)
        return self.get_response(request)


def _declared_length(meta):
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: no body


def _too_large(request, size):
    context = {"limit": filesizeformat(body_limit(request.path_info))}
    # A body sent in chunks was read only to one byte past the limit: its size is not known.
    if "HTTP_TRANSFER_ENCODING" not in request.META:
        context["size"] = filesizeformat(size)
    if _in_admin(request.path_info):
        context["image_limit"] = filesizeformat(settings.LIFESCOPE["HERO_IMAGE_MAX_BYTES"])
    return render(request, "413.html", context, status=413)


def _control_character(request):
    """The refusal page's context for the first control character in `request`, if any."""
    found = CONTROL.search(request.path_info)
    if found:
        return _link_problem(found, "The address")
    for name, value in request.COOKIES.items():
        found = CONTROL.search(value)
        holder = f"The cookie “{_shown(name)}”" if found else "A cookie’s name"
        found = found or CONTROL.search(name)
        if found:
            return {
                "reason": f"{holder} holds {_named(found)}, which no browser sends. "
                "Clear this site’s cookies, then try again.",
            }
    problem = _in_parameters(request.GET, "The parameter", "A parameter’s name")
    if problem:
        return _link_problem(*problem)
    if request.method == "POST":
        for parameters in (request.POST, request.FILES):
            problem = _in_parameters(parameters, "The field", "A field’s name")
            if problem:
                found, holder = problem
                return {
                    "heading": "That form could not be taken",
                    "reason": f"{holder} holds {_named(found)}, which cannot be stored. "
                    "Go back, remove it and send the form again.",
                }
    return None


def _in_parameters(parameters, value_holder, name_holder):
    for name, values in parameters.lists():
        found = CONTROL.search(name)
        if found:
            return found, name_holder
        for value in values:
            found = isinstance(value, str) and CONTROL_IN_TEXT.search(value)
            if found:
                return found, f"{value_holder} “{_shown(name)}”"
    return None


def _link_problem(found, holder):
    return {"reason": f"{holder} holds {_named(found)}, which no link or form sends."}


def _named(found):
    return f"a control character (U+{ord(found[0]):04X})"


def _shown(name):
    return name if len(name) <= 40 else name[:40] + "…"


def read_chunked_bodies(application):
    """Wraps a WSGI `application` so that a body sent in chunks, without a Content-Length,
    reaches Django, read up to its limit: within it, with its length; past it, as a length one
    byte over the limit and no content, which RequestGuardMiddleware refuses unread."""

    def wrapped(environ, start_response):
        encoding = environ.get("HTTP_TRANSFER_ENCODING", "")
        if not environ.get("CONTENT_LENGTH") and "chunked" in encoding.lower():
            limit = body_limit(get_path_info(environ))
            # Django reads it after this returns; it goes with the request's environ.
            body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
            size = 0
            while size <= limit and (
                chunk := environ["wsgi.input"].read(min(CHUNK, limit + 1 - size))
            ):
                size += body.write(chunk)
            if size > limit:
                body.close()
                body = io.BytesIO()
            body.seek(0)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(size)
        return application(environ, start_response)

    return wrapped
