"""The site header's menu, rendered once per process for each kind of reader.

The menu holds only links and their labels: it depends on the reader's role, the language and the URL
configuration, and on nothing else of the request. Reversing a dozen URLs and translating their labels on every
page cost about as much as loading the session and the user (issue 13), so each variant is rendered once and
kept; the variants are few (roles × languages), and nothing in them can go stale while the process runs.
"""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from certification.models import Role

register = template.Library()

_rendered: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def site_nav(context):
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    role = getattr(user, "role", None) if signed_in else None
    key = (role, get_language(), get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("certification/includes/site_nav.html",
                                {"nav_role": role, "Role": Role})
        _rendered[key] = html
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when it was rendered
