"""The rows of the staff order list.

A page holds 50 rows of ten values each; through the template engine they cost more than all the rest of the page
together, so the rows are written here, every value escaped, the markup exactly what the template had. The filter's
options come from `certification/templatetags/filter_tags.py`."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _row(o) -> str:
    # The amount and the times are digits the selector wrote: nothing to escape there.
    return (f'<tr><td><a href="{escape(o.detail_url)}">{escape(o.number)}</a></td><td>{escape(o.campaign_title)}</td>\n'
            f'<td>{escape(o.applicant)}</td><td>¥{o.amount}</td>'
            f'<td><span class="tag order-{escape(o.status)}">{escape(o.status_label)}</span></td>\n'
            f'<td>{escape(o.invoice_status_label)}</td><td>{o.created_at}</td><td>{o.paid_at}</td></tr>\n')


@register.simple_tag
def staff_order_rows(rows) -> SafeString:
    """`selectors.StaffOrderRow`s as table rows; none: the empty-list row."""
    if not rows:
        return mark_safe('<tr><td colspan="8" class="empty">暂无订单。</td></tr>')
    return mark_safe("".join(_row(o) for o in rows))  # every value above is escaped or safe by construction
