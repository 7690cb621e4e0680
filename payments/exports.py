"""The staff order export: CSV streamed, XLSX through a background job (`certification.exports`).

Rows come from `.values_list(...).iterator(chunk_size=...)` (a server-side cursor on PostgreSQL), one tuple per
order, so neither format holds the orders in memory. The requester's visibility (`orders_for_staff`) applies.
"""

from django.utils import timezone

from certification.exports import EXPORT_CHUNK_ROWS, ExportSource

from .models import Order
from .selectors import orders_for_staff

KIND = "payments.orders"

COLUMNS = [  # (header, value path)
    ("订单号", "number"), ("认证活动", "campaign__title"), ("申报编号", "application__number"),
    ("申请人", "applicant__full_name"), ("电子邮箱", "applicant__email"), ("订单状态", "status"),
    ("认证评审费", "list_price"), ("应付金额", "amount"), ("会员价说明", "member_rate_note"),
    ("抬头类型", "invoice_title_type"), ("发票抬头", "invoice_title"), ("纳税人识别号", "invoice_taxpayer_id"),
    ("发票类型", "invoice_kind"), ("接收发票邮箱", "invoice_email"), ("开票状态", "invoice_status"),
    ("创建时间", "created_at"), ("支付时间", "paid_at"),
]
_LABELS = {
    "status": dict(Order.Status.choices), "invoice_title_type": dict(Order.TitleType.choices),
    "invoice_kind": dict(Order.InvoiceKind.choices), "invoice_status": dict(Order.InvoiceStatus.choices),
}


def _cell(path, value):
    if path in _LABELS:
        return _LABELS[path].get(value, value)
    if path in ("created_at", "paid_at"):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else ""
    return "" if value is None else value


def order_export_source(*, user, params: dict) -> ExportSource:
    orders = orders_for_staff(user=user, campaign_id=params.get("campaign_id") or None,
                              status=params.get("status") or None).order_by("-created_at", "-pk")
    paths = [path for _header, path in COLUMNS]

    def rows():
        for values in orders.values_list(*paths).iterator(chunk_size=EXPORT_CHUNK_ROWS):
            yield [_cell(path, value) for path, value in zip(paths, values, strict=True)]

    return ExportSource(title=f"orders-{timezone.localdate():%Y%m%d}", headers=[h for h, _p in COLUMNS],
                        count=orders.count(), rows=rows)
