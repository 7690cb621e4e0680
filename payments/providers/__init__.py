"""Payment providers by code. A deployment lists the ones it offers in settings.PAYMENT_PROVIDERS."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import NotificationRefused, ParsedNotification, PaymentProvider, RefundResult

__all__ = ["NotificationRefused", "ParsedNotification", "PaymentProvider", "RefundResult", "available_providers",
           "get_provider"]


def available_providers() -> dict[str, PaymentProvider]:
    providers = [import_string(path)() for path in settings.PAYMENT_PROVIDERS]
    return {p.code: p for p in providers}


def get_provider(code: str) -> PaymentProvider:
    try:
        return available_providers()[code]
    except KeyError:
        raise LookupError(f"未启用的支付方式：{code}") from None
