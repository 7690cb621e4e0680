from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.translation import get_language

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


@register.simple_tag
def catalogue_card(entry):
    """One card of the catalogue (全部认证), `entry` a `certification.selectors.CatalogueEntry`."""
    e = entry
    setting = (get_language(), get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    return _catalogue_card(setting, e.slug, e.title, e.level, e.level_label, e.phase.value, e.phase.label, e.is_demo,
                           e.authority, e.province, e.application_start, deadline_text(e), str(e.fee))


@lru_cache(maxsize=2048)
def _catalogue_card(setting, slug, title, level, level_label, phase, phase_label, is_demo, authority,
                    province, start, deadline, fee):
    # The card is a pure function of these arguments (what it shows, plus the `setting` its link and number
    # formats depend on: language, URL prefix and configuration), so each distinct card is rendered once per
    # process: memoised, never stale (as the header menu, `nav_tags`). Templated cards were most of the
    # catalogue's cost.
    return render_to_string("certification/_catalogue_card.html", {
        "slug": slug, "title": title, "level": level, "level_label": level_label, "phase": phase,
        "phase_label": phase_label, "is_demo": is_demo, "authority": authority, "province": province,
        "start": start, "deadline": deadline, "fee": fee})
