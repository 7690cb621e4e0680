from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    verbose_name = "订单与支付"
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
