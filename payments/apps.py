from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    verbose_name = "订单与支付"
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"

    def ready(self):
        from django.db.models.signals import post_save

        from certification import logdisplay
        from certification.models import Campaign

        from . import logcodes, receivers  # noqa: F401 — receivers connects to applicants' signals
        from .models import Order
        from .selectors import order_totals_invalidate

        logdisplay.register(logcodes.LABELS)
        post_save.connect(order_totals_invalidate, sender=Order, dispatch_uid="payments-order-totals")
        # The chart and the staff list's filter show campaign titles.
        post_save.connect(order_totals_invalidate, sender=Campaign, dispatch_uid="payments-order-totals-campaign")

        from certification import exports

        from .exports import KIND, order_export_source

        exports.register(KIND, order_export_source)
