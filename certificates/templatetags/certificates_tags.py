from django import template

from certification import logdisplay

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return logdisplay.label(code)
