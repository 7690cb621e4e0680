"""A sandbox gateway that behaves like a real one, served by this app under /orders/sandbox/.

The browser goes to the sandbox's own payment page; confirming there makes the "gateway" send a signed
asynchronous notification (a Celery task) and send the browser back to our return URL with signed params.
"""

import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse

from .base import NotificationRefused, ParsedNotification, PaymentProvider, RefundResult

SIGNED_FIELDS = ("out_trade_no", "payment_ref", "trade_no", "total_amount", "currency", "trade_status", "timestamp")


def sign(params: dict) -> str:
    """HMAC-SHA256 over `k=v&…` of the sorted non-empty parameters, `sign` itself left out."""
    message = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] not in ("", None))
    return hmac.new(settings.PAYMENT_SANDBOX_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(params: dict) -> dict:
    return {**params, "sign": sign(params)}


class SandboxProvider(PaymentProvider):
    code = "sandbox"
    label = "在线支付（沙箱）"

    def create_payment(self, *, payment, request) -> str:
        return reverse("payments:sandbox_gateway", args=[payment.reference])

    def gateway_params(self, *, payment) -> dict:
        """What the gateway sends once the payer confirms. Its trade number is stable per attempt."""
        from django.utils import timezone

        return signed({
            "out_trade_no": payment.order.number,
            "payment_ref": str(payment.reference),
            "trade_no": f"SBX{payment.reference.hex[:24].upper()}",
            "total_amount": f"{payment.amount:.2f}",
            "currency": payment.currency,
            "trade_status": "TRADE_SUCCESS",
            "timestamp": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        })

    def verify_notification(self, params: dict) -> ParsedNotification:
        params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params).items()}
        order_number, txn_id = str(params.get("out_trade_no", "")), str(params.get("trade_no", ""))
        given = str(params.get("sign", ""))
        if not given or not hmac.compare_digest(given, sign(params)):
            raise NotificationRefused("签名校验失败", order_number=order_number, txn_id=txn_id)
        missing = [f for f in SIGNED_FIELDS if not params.get(f)]
        if missing:
            raise NotificationRefused(f"缺少字段：{', '.join(missing)}", order_number=order_number, txn_id=txn_id)
        try:
            amount = Decimal(params["total_amount"])
        except InvalidOperation as exc:
            raise NotificationRefused("金额格式错误", order_number=order_number, txn_id=txn_id) from exc
        return ParsedNotification(order_number=order_number, txn_id=txn_id, amount=amount,
                                  currency=params["currency"], paid=params["trade_status"] == "TRADE_SUCCESS",
                                  payment_reference=params["payment_ref"], raw=params)

    def refund(self, *, refund) -> RefundResult:
        # The sandbox refunds at once; its refund id is stable per refund row.
        return RefundResult(provider_refund_id=f"SBXR{refund.payment.reference.hex[:12].upper()}{refund.pk}",
                            completed=True)
