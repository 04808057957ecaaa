"""The site's layout for pages written in the Django template language: django-allauth's.

allauth's pages (sign-in, sign-up, password, e-mail, second factor, social accounts) are Django
templates that extend `allauth/layouts/base.html`. Ours (templates/django/allauth/layouts/)
is a skeleton that renders the very includes the Jinja2 `base.html` is built from (head links,
header, messages, footer) with `{% site_part "includes/site_header.html" %}`, so the header,
footer and stylesheet are written once. The header's account link is a page-cache fill
(lifescope/page_cache.py), filled on these pages as on every other. Registered as the Django
engine's library "layout" in settings.TEMPLATES.
"""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def site_part(context, name):
    """The Jinja2 template `name`, rendered for this request (its context processors run, so
    the messages of `includes/messages.html` are there)."""
    # Jinja2 escaped what it had to; the markup it made is the site's own.
    return mark_safe(engines["jinja2"].get_template(name).render({}, context.get("request")))
