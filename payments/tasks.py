from celery import shared_task

from . import services


@shared_task
def remind_unpaid_orders():
    return services.orders_remind_unpaid()


@shared_task(bind=True, max_retries=5, acks_late=True)
def deliver_sandbox_notification(self, params: dict):
    """The sandbox gateway's asynchronous notification, handled exactly as `POST /orders/notify/sandbox/` is."""
    log = services.payment_notification_receive(provider_code="sandbox", params=params, source="notify")
    return log.outcome
