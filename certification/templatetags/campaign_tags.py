from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def example(campaign, field_name):
    """A 示例 badge next to a value the notices do not give."""
    if campaign.is_example(field_name):
        return format_html('<span class="tag example" title="{}">示例</span>', "通知未给出此值，仅为示例")
    return ""


@register.filter
def rule_items(rule):
    """A rule's sub-items. `rule.items` in a template would call dict.items() on rules that have none."""
    return rule.get("items") or [] if isinstance(rule, dict) else []
