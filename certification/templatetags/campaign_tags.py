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


def deadline_text(campaign) -> str:
    """The one wording for a campaign's application deadline on every page and e-mail (issue 7 item 13).

    The deadline is the whole end date inclusive (`Campaign.application_closes_at`, the last instant of the day,
    Beijing time): "2025年3月3日24:00（北京时间）", never "23:59" on one page and "含当日" on another.
    """
    end = campaign.application_end
    return f"{end.year}年{end.month}月{end.day}日24:00（北京时间）"


register.filter("deadline", deadline_text)
