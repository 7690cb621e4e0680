from django import template

from certification import logdisplay

register = template.Library()


@register.filter
def audit_label(code):
    """An audit entry's stable action code as its Chinese label (`certification.logdisplay`)."""
    return logdisplay.label(code)
