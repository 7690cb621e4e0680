"""The notification outbox: render now, send after commit, retry on SMTP errors.

The Celery task `send_notification` lives here, beside the work it runs, under its historical name
`certification.tasks.send_notification` (`certification.tasks` re-exports it for autodiscovery), so queueing
a message needs no import back from the tasks module.
"""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

MAX_RETRIES = 5


def notification_queue(*, template: str, to_email: str, context: dict, recipient=None) -> Notification:
    """Render `templates/notifications/<template>.txt` (first line is the subject) and queue it.

    The e-mail is sent by a Celery task only once the surrounding transaction commits, so a rolled-back
    state change never mails anyone.
    """
    context = {"site_url": settings.SITE_URL, **context}
    rendered = render_to_string(f"notifications/{template}.txt", context).strip()
    subject, _, body = rendered.partition("\n")
    note = Notification.objects.create(
        recipient=recipient, to_email=to_email, template=template, subject=subject.strip()[:200],
        body=body.strip(),
    )
    transaction.on_commit(lambda: send_notification.delay(note.pk))
    return note


def notify_user(*, user, template: str, context: dict) -> Notification | None:
    if not user or not user.email:
        return None
    return notification_queue(template=template, to_email=user.email, context={"user": user, **context},
                              recipient=user)


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued message. Idempotent: a sent message is never sent again."""
    with transaction.atomic():
        note = Notification.objects.select_for_update().get(pk=notification_id)
        if note.status == Notification.Status.SENT:
            return note
        note.attempts += 1
        EmailMessage(subject=note.subject, body=note.body, to=[note.to_email]).send(fail_silently=False)
        note.status = Notification.Status.SENT
        note.sent_at = timezone.now()
        note.last_error = ""
        note.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return note


def notification_record_failure(*, notification_id: int, error: str, final: bool) -> None:
    note = Notification.objects.get(pk=notification_id)
    note.attempts += 1
    note.last_error = error[:2000]
    if final:
        note.status = Notification.Status.FAILED
    note.save(update_fields=["attempts", "last_error", "status"])


@shared_task(name="certification.tasks.send_notification", bind=True, max_retries=MAX_RETRIES, acks_late=True)
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
