"""Spreadsheet import of the member registry and export of orders (django-import-export)."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .models import MemberRecord, Order


class YearMonthWidget(widgets.Widget):
    """'2025-05', '2025/5', '2025年5月', '2025-05-31' or a spreadsheet date → the first day of that month."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError("会籍有效期不能为空。")
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.replace(day=1)
        match = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})", str(value))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"无法识别的有效期：{value}（应形如 2025-05）")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def render(self, value, obj=None, **kwargs):
        return f"{value:%Y-%m}" if value else ""


class MemberRecordResource(resources.ModelResource):
    number = fields.Field(attribute="number", column_name="会员编号", widget=widgets.CharWidget())
    name = fields.Field(attribute="name", column_name="姓名", widget=widgets.CharWidget())
    valid_until = fields.Field(attribute="valid_until", column_name="有效期至", widget=YearMonthWidget())

    class Meta:
        model = MemberRecord
        # Re-importing the registry updates members by number instead of duplicating them.
        import_id_fields = ["number"]
        fields = ["number", "name", "valid_until"]
        skip_unchanged = True
        report_skipped = False

    def before_import_row(self, row, **kwargs):
        for key in ("会员编号", "姓名"):
            if key in row and row[key] is not None:
                row[key] = str(row[key]).strip()
        if not row.get("会员编号"):
            raise ValidationError("会员编号不能为空。")


class OrderResource(resources.ModelResource):
    number = fields.Field(attribute="number", column_name="订单号")
    campaign = fields.Field(attribute="campaign__title", column_name="认证活动")
    application = fields.Field(attribute="application__number", column_name="申报编号")
    applicant = fields.Field(attribute="applicant__full_name", column_name="申请人")
    email = fields.Field(attribute="applicant__email", column_name="电子邮箱")
    status = fields.Field(attribute="get_status_display", column_name="订单状态")
    list_price = fields.Field(attribute="list_price", column_name="认证评审费")
    amount = fields.Field(attribute="amount", column_name="应付金额")
    member = fields.Field(attribute="member_rate_note", column_name="会员价说明")
    title_type = fields.Field(attribute="get_invoice_title_type_display", column_name="抬头类型")
    title = fields.Field(attribute="invoice_title", column_name="发票抬头")
    taxpayer_id = fields.Field(attribute="invoice_taxpayer_id", column_name="纳税人识别号")
    kind = fields.Field(attribute="get_invoice_kind_display", column_name="发票类型")
    invoice_email = fields.Field(attribute="invoice_email", column_name="接收发票邮箱")
    invoice_status = fields.Field(attribute="get_invoice_status_display", column_name="开票状态")
    created_at = fields.Field(attribute="created_at", column_name="创建时间",
                              widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M:%S"))
    paid_at = fields.Field(attribute="paid_at", column_name="支付时间",
                           widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M:%S"))

    class Meta:
        model = Order
        fields = ["number", "campaign", "application", "applicant", "email", "status", "list_price", "amount",
                        "member", "title_type", "title", "taxpayer_id", "kind", "invoice_email", "invoice_status",
                        "created_at", "paid_at"]
