"""Orders, the payment and refund ledgers, invoice details, the member registry and the notification log.

Money is never deleted: querysets and rows refuse `delete()`; a mistake is reversed by a refund with a reason.
Writes go through `payments.services`; reads through `payments.selectors`.
"""

import calendar
import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from certification.models import Campaign, UndeletableModel

from .providers import available_providers
from .validators import validate_uscc

CNY = "CNY"


class MoneyRecord(UndeletableModel):
    undeletable_message = "资金记录不可删除，只能以退款冲正并注明原因。"

    class Meta:
        abstract = True


class MemberRecord(models.Model):
    """One entry of the association's member registry, imported by administrators."""

    number = models.CharField("会员编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    valid_until = models.DateField("会籍有效期至", help_text="保存为该月第一天；会籍在该月最后一天结束时到期。")
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = verbose_name_plural = "会员登记"
        constraints = [
            models.CheckConstraint(name="member_valid_until_is_first_of_month", condition=Q(valid_until__day=1),
                                   violation_error_message="会籍有效期按月登记，请填写该月第一天。"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    @property
    def valid_through(self) -> dt.datetime:
        """The last instant of the valid-until month, Asia/Shanghai."""
        last_day = calendar.monthrange(self.valid_until.year, self.valid_until.month)[1]
        return timezone.make_aware(dt.datetime.combine(self.valid_until.replace(day=last_day), dt.time.max))


class Order(MoneyRecord):
    """订单: the review fee of one application."""

    class Status(models.TextChoices):
        PENDING = "pending", "待支付"
        PAID = "paid", "已支付"
        REFUNDING = "refunding", "退款处理中"
        REFUNDED = "refunded", "已退款"
        CANCELLED = "cancelled", "已取消"

    class TitleType(models.TextChoices):
        PERSONAL = "personal", "个人"
        COMPANY = "company", "单位"

    class InvoiceKind(models.TextChoices):
        ELECTRONIC_NORMAL = "electronic_normal", "电子普通发票"

    class InvoiceStatus(models.TextChoices):
        NOT_ISSUED = "not_issued", "未开"
        ISSUED = "issued", "已开"

    number = models.CharField("订单号", max_length=32, unique=True)
    application = models.OneToOneField("applicants.Application", verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="order")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="orders")
    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField("订单状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    list_price = models.DecimalField("认证评审费（元）", max_digits=8, decimal_places=2,
                                     validators=[MinValueValidator(0)])
    amount = models.DecimalField("应付金额（元）", max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField("币种", max_length=3, default=CNY, editable=False)
    fee_waived = models.BooleanField("免缴费（破格认证）", default=False)
    member_number = models.CharField("会员编号", max_length=32, blank=True)
    member_name = models.CharField("会员姓名", max_length=50, blank=True)
    member_rate_applied = models.BooleanField("享受会员价", default=False)
    member_rate_note = models.CharField("会员价说明", max_length=200, blank=True)

    invoice_title_type = models.CharField("抬头类型", max_length=10, choices=TitleType.choices,
                                          default=TitleType.PERSONAL)
    invoice_title = models.CharField("发票抬头", max_length=100, blank=True)
    invoice_taxpayer_id = models.CharField("纳税人识别号", max_length=18, blank=True,
                                           help_text="单位抬头必填：18位统一社会信用代码。")
    invoice_kind = models.CharField("发票类型", max_length=20, choices=InvoiceKind.choices,
                                    default=InvoiceKind.ELECTRONIC_NORMAL)
    invoice_email = models.EmailField("接收发票邮箱", blank=True)
    invoice_status = models.CharField("开票状态", max_length=12, choices=InvoiceStatus.choices,
                                      default=InvoiceStatus.NOT_ISSUED)
    invoice_number = models.CharField("发票号码", max_length=40, blank=True)
    invoice_issued_at = models.DateTimeField("开票时间", null=True, blank=True)

    created_at = models.DateTimeField("创建时间", default=timezone.now)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    closed_at = models.DateTimeField("取消/退款时间", null=True, blank=True)
    reminder_sent_at = models.DateTimeField("缴费提醒时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "订单"
        constraints = [
            models.CheckConstraint(name="order_amount_not_above_price", condition=Q(amount__lte=models.F("list_price")),
                                   violation_error_message="应付金额不能高于认证评审费。"),
            models.CheckConstraint(name="order_company_invoice_has_taxpayer_id",
                                   condition=~Q(invoice_title_type="company") | ~Q(invoice_taxpayer_id=""),
                                   violation_error_message="单位抬头必须填写纳税人识别号。"),
        ]
        indexes = [
            # The staff order list pages on (-created_at, -pk): all orders, one campaign's or one status's. Campaign
            # and status ride along (INCLUDE), so a page's pks come from an index-only scan whatever the filter,
            # and the status index also serves every other lookup by status.
            models.Index(fields=["-created_at", "-id"], include=["campaign", "status"], name="order_created_desc"),
            models.Index(fields=["campaign", "-created_at", "-id"], include=["status"],
                         name="order_campaign_created_desc"),
            models.Index(fields=["status", "-created_at", "-id"], include=["campaign"],
                         name="order_status_created_desc"),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        errors = {}
        if self.invoice_title_type == self.TitleType.COMPANY:
            if not self.invoice_taxpayer_id:
                errors["invoice_taxpayer_id"] = "单位抬头必须填写纳税人识别号（统一社会信用代码）。"
            else:
                try:
                    validate_uscc(self.invoice_taxpayer_id)
                except ValidationError as exc:
                    errors["invoice_taxpayer_id"] = exc.messages
            if not self.invoice_title:
                errors["invoice_title"] = "单位抬头必须填写单位名称。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def invoice_editable(self) -> bool:
        return self.invoice_status == self.InvoiceStatus.NOT_ISSUED


class Payment(MoneyRecord):
    """One attempt to pay an order through one provider; confirmed at most once per provider transaction."""

    # What the ledger fills in later: the outcome of the attempt. Amount, order, provider never change.
    mutable_fields = ("state", "provider_txn_id", "confirmed_at", "confirmed_by", "raw_notification")

    class State(models.TextChoices):
        CREATED = "created", "待付款"
        CONFIRMED = "confirmed", "已确认"
        CANCELLED = "cancelled", "已作废"
        REFUNDED = "refunded", "已退款"

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="payments")
    reference = models.UUIDField("支付流水号", default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField("支付方式", max_length=20)
    provider_txn_id = models.CharField("支付机构交易号", max_length=64, null=True, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField("币种", max_length=3, default=CNY)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.CREATED, db_index=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人（线下）", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    raw_notification = models.JSONField("支付通知原文", default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "支付记录"
        constraints = [
            # The idempotency key: a provider's transaction confirms one payment, whatever is replayed.
            models.UniqueConstraint(fields=["provider", "provider_txn_id"], name="payment_unique_provider_txn",
                                    condition=Q(provider_txn_id__isnull=False)),
            # At most one confirmed payment per order.
            models.UniqueConstraint(fields=["order"], condition=Q(state="confirmed"),
                                    name="payment_one_confirmed_per_order"),
        ]

    def __str__(self):
        return f"{self.order.number} · {self.provider} · {self.amount}"

    @property
    def provider_label(self) -> str:
        provider = available_providers().get(self.provider)
        return provider.label if provider else self.provider


class Refund(MoneyRecord):
    """A separate ledger: money going back, with its reason and who decided it."""

    mutable_fields = ("state", "provider_refund_id", "completed_at", "completed_by")

    class State(models.TextChoices):
        PENDING = "pending", "待退款（线下办理）"
        DONE = "done", "已退款"

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, verbose_name="原支付", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField("退款金额（元）", max_digits=8, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    reason = models.CharField("退款原因", max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    provider_refund_id = models.CharField("退款流水号", max_length=64, null=True, blank=True, unique=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "退款记录"

    def __str__(self):
        return f"{self.order.number} 退款 {self.amount}"


class NotificationLog(MoneyRecord):
    """Every payment notification or return received, with what we did about it and why."""

    mutable_fields = ()

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "已确认支付"
        DUPLICATE = "duplicate", "重复通知（已确认过）"
        REFUSED = "refused", "已拒绝"
        # The order was closed (cancelled) before the money arrived: booked and refunded at once.
        REFUNDED = "refunded", "已入账并退款（订单已取消）"

    provider = models.CharField("支付方式", max_length=20)
    source = models.CharField("来源", max_length=10, help_text="notify 异步通知 / return 浏览器返回")
    # Indexed: the staff order page lists the notifications of one order by this column.
    order_number = models.CharField("订单号", max_length=64, blank=True, db_index=True)
    provider_txn_id = models.CharField("交易号", max_length=64, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    payload = models.JSONField("通知原文", default=dict)
    received_at = models.DateTimeField("接收时间", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = verbose_name_plural = "支付通知日志"

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.provider} {self.get_outcome_display()}"
