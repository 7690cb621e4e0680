"""The rows of the eligibility workbench table.

A page holds 50 rows of ~20 values each; through the template engine they cost more than all the rest of the
page together, so the rows are written here, every value escaped, the markup exactly what the template had."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from applicants.models import Application

register = template.Library()


def _row(a) -> str:
    pk, number = a.pk, escape(a.number)
    select = (f'<input type="checkbox" name="ids" value="{pk}" aria-label="选择 {number}">'
              if a.status == Application.Status.UNDER_REVIEW else "")
    exceptional = ' <span class="tag">破格</span>' if a.track == Application.Track.EXCEPTIONAL else ""
    city = f" · {escape(a.city)}" if a.city else ""
    amended = ' <span class="tag">已修改</span>' if a.amendment_used else ""
    back = f'<a href="{escape(a.return_url)}">退回修改</a>' if a.return_url else ""
    return (f'<tr class="application-row">\n'
            f'  <td>{select}</td>\n'
            f'  <td><a href="{escape(a.detail_url)}">{number}</a>{exceptional}</td>\n'
            f'  <td>{escape(a.campaign_title)}</td><td>{escape(a.display_name)}</td>'
            f'<td class="id-number">{escape(a.masked_id)}</td>\n'
            f'  <td>{escape(a.unit)}{city}</td><td>{escape(a.verdict)}</td>\n'
            f'  <td><span class="tag status-{escape(a.status)}">{escape(a.status_label)}</span>{amended}</td>\n'
            f'  <td class="decision">{escape(a.pending_decision)}</td>\n'
            f'  <td>{back}</td>\n'
            f'</tr>')


@register.simple_tag
def eligibility_rows(rows) -> SafeString:
    """`selectors.EligibilityRow`s as table rows; none: the empty-list row."""
    if not rows:
        return mark_safe('<tr><td colspan="10" class="empty">暂无申请。</td></tr>')
    return mark_safe("".join(_row(a) for a in rows))  # every value above went through escape()
