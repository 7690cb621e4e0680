import smtplib

from celery import shared_task

from .notifications import notification_deliver, notification_record_failure

MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_notification(self, notification_id: int):
    try:
        notification_deliver(notification_id=notification_id)
    except (smtplib.SMTPException, OSError) as exc:
        final = self.request.retries >= MAX_RETRIES
        notification_record_failure(notification_id=notification_id, error=repr(exc), final=final)
        if not final:
            # Run eagerly (no Redis), apply() re-runs a *returned* Retry at once, while a raised one would escape
            # to whoever queued the message; a worker needs it raised to schedule the retry.
            return self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600),
                              throw=not self.request.is_eager)
