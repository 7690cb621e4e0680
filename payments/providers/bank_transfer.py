"""Bank transfer: the applicant transfers quoting the order number; staff confirm by hand with the bank's
reference, and carry out refunds by hand too."""

from django.urls import reverse

from .base import PaymentProvider, RefundResult


class BankTransferProvider(PaymentProvider):
    code = "bank_transfer"
    label = "银行转账（人工确认）"
    online = False

    def create_payment(self, *, payment, request) -> str:
        return reverse("payments:order_detail", args=[payment.order.number]) + "#bank-transfer"

    def refund(self, *, refund) -> RefundResult:
        return RefundResult(provider_refund_id=None, completed=False)
