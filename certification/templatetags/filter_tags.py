"""The `<option>`s of the staff lists' filters (the order list, the eligibility workbench).

Through the template engine a filter's options, each comparing its value with the chosen one, cost as much as
the rest of the form; written here, every value escaped, the markup what Django's select widget writes."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def filter_options(choices, selected) -> SafeString:
    """`<option>`s after the empty one; `choices` are (value, label) pairs, `selected` is a choice's value."""
    selected = str(selected)
    return mark_safe("".join(  # every value below goes through escape()
        f'\n  <option value="{escape(str(value))}"{" selected" if str(value) == selected else ""}>'
        f'{escape(label)}</option>\n' for value, label in choices))
