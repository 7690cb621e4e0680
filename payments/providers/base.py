"""The provider interface every payment method implements.

A provider turns a `Payment` attempt into a place to send the browser, turns what the provider posts back
into a `ParsedNotification` (or refuses it), and refunds. It never changes our rows itself: the services do,
under a lock on the order.
"""

import abc
from dataclasses import dataclass, field
from decimal import Decimal


class NotificationRefused(Exception):
    """The message is not a genuine, well-formed payment notification; nothing may change."""

    def __init__(self, reason: str, *, order_number: str = "", txn_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.order_number = order_number
        self.txn_id = txn_id


@dataclass(frozen=True)
class ParsedNotification:
    order_number: str
    txn_id: str
    amount: Decimal
    currency: str
    paid: bool
    payment_reference: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str | None
    completed: bool  # False: the refund waits for staff to carry it out by hand


class PaymentProvider(abc.ABC):
    code: str = ""
    label: str = ""
    online: bool = True  # confirmed by a signed notification (False: staff confirm by hand)

    @abc.abstractmethod
    def create_payment(self, *, payment, request) -> str:
        """Register the attempt with the provider; return the URL to send the browser to."""

    def verify_notification(self, params: dict) -> ParsedNotification:
        """Check the signature of an asynchronous notification and parse it; raise NotificationRefused."""
        raise NotificationRefused("该支付方式不接收在线通知。")

    def verify_return(self, params: dict) -> ParsedNotification:
        """The browser's return carries the same signed fields with most gateways."""
        return self.verify_notification(params)

    def notification_response(self, *, accepted: bool) -> tuple[str, int]:
        """The body and status the provider expects back (Alipay wants 'success', WeChat Pay JSON …)."""
        return ("success" if accepted else "fail"), 200

    @abc.abstractmethod
    def refund(self, *, refund) -> RefundResult:
        """Give `refund.amount` back for `refund.payment`."""
