"""The notification outbox: render now, send after commit, retry on SMTP errors.

The Celery task `send_notification` lives here, beside the work it runs, under its historical name
`certification.tasks.send_notification` (`certification.tasks` re-exports it for autodiscovery), so queueing
a message needs no import back from the tasks module.

Transactional outbox: the rendered message is a row written in the same transaction as the change it tells
about, so it exists if and only if that change committed. Handing it to Celery after commit is best effort:
if the broker is unreachable the request still succeeds, the row stays `queued`, and the periodic sweep
(`notifications_resend_stale`, run by beat) hands it over again later.
"""

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

MAX_RETRIES = 5

# A queued message older than this that is still `queued` was never handed to a worker (or the hand-off was
# lost): the sweep hands it over again. Longer than a worker normally needs to pick a task up, shorter than
# anyone would wait for a verification e-mail.
STALE_AFTER = dt.timedelta(minutes=5)
SWEEP_BATCH = 500

_deferred: contextvars.ContextVar[list | None] = contextvars.ContextVar("deferred_notifications", default=None)


def _hand_off(notification_id: int) -> None:
    """Give one queued message to Celery. Never raises: a lost broker must not fail a committed request."""
    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 — kombu/redis raise many types; the row stays queued for the sweep
        logger.exception("could not hand notification %s to the broker; the outbox sweep will resend it",
                         notification_id)


def notification_queue(*, template: str, to_email: str, context: dict, recipient=None,
                       attachments: list[dict] | None = None) -> Notification:
    """Render `templates/notifications/<template>.txt` (first line is the subject) and queue it.

    `attachments` are small text files sent with the message (`filename`, `mimetype`, `content`), such as the
    .ics calendar entry of a defense slot.

    The e-mail is sent by a Celery task only once the surrounding transaction commits, so a rolled-back
    state change never mails anyone.
    """
    note = _render(template=template, to_email=to_email, context=context, recipient=recipient,
                   attachments=attachments)
    note.save(force_insert=True)
    transaction.on_commit(lambda: _hand_off(note.pk))
    return note


def _render(*, template: str, to_email: str, context: dict, recipient=None,
            attachments: list[dict] | None = None) -> Notification:
    """The outbox row for one message, rendered, not saved yet."""
    context = {"site_url": settings.SITE_URL, **context}
    rendered = render_to_string(f"notifications/{template}.txt", context).strip()
    subject, _, body = rendered.partition("\n")
    return Notification(recipient=recipient, to_email=to_email, template=template, subject=subject.strip()[:200],
                        body=body.strip(), attachments=list(attachments or []))


def notify_user(*, user, template: str, context: dict, attachments: list[dict] | None = None) -> Notification | None:
    if not user or not user.email:
        return None
    pending = _deferred.get()
    if pending is not None:
        pending.append({"user": user, "template": template, "context": context, "attachments": attachments})
        return None
    return notification_queue(template=template, to_email=user.email, context={"user": user, **context},
                              recipient=user, attachments=attachments)


@contextlib.contextmanager
def notifications_after_locks():
    """Inside the block `notify_user` only notes what to send; on a clean exit the messages are rendered and
    queued in one short transaction of their own, after the block's transaction (and its row locks) ended.

    For hot paths that hold a contended lock (a payment notification): rendering templates is not work to do
    while other requests wait on the order row. A block that raises sends nothing. Call `.clear()` on the
    yielded list when the block retries its transaction from the start.
    """
    pending: list[dict] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    # Rendered first, then written in one INSERT: all of them or none.
    notes = [_render(template=item["template"], to_email=item["user"].email,
                     context={"user": item["user"], **item["context"]}, recipient=item["user"],
                     attachments=item["attachments"]) for item in pending]
    if notes:
        with transaction.atomic():
            Notification.objects.bulk_create(notes)
            for note in notes:
                transaction.on_commit(functools.partial(_hand_off, note.pk))


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued message. Idempotent: a sent message is never sent again."""
    with transaction.atomic():
        note = Notification.objects.select_for_update().get(pk=notification_id)
        if note.status == Notification.Status.SENT:
            return note
        note.attempts += 1
        message = EmailMessage(subject=note.subject, body=note.body, to=[note.to_email])
        for item in note.attachments or []:
            message.attach(item["filename"], item["content"], item.get("mimetype") or "application/octet-stream")
        message.send(fail_silently=False)
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


def notifications_resend_stale(*, now: dt.datetime | None = None, older_than: dt.timedelta = STALE_AFTER) -> int:
    """The outbox sweep: hand every message still `queued` after `older_than` to the broker again.

    Sending is idempotent (`notification_deliver` skips a sent row under its lock), so a message whose first
    hand-off did reach a worker is at worst looked at twice, never mailed twice.
    """
    now = now or timezone.now()
    ids = list(Notification.objects.filter(status=Notification.Status.QUEUED, created_at__lt=now - older_than)
               .order_by("created_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    for pk in ids:
        _hand_off(pk)
    if ids:
        logger.info("outbox sweep handed %d queued message(s) to the broker again", len(ids))
    return len(ids)


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


@shared_task(name="certification.tasks.resend_stale_notifications")
def resend_stale_notifications():
    """Beat: the transactional outbox's sweep."""
    return notifications_resend_stale()


@shared_task(name="certification.tasks.seal_audit_chain")
def seal_audit_chain():
    """Beat: link the audit entries written since the last run into the hash chain (certification.audit_chain)."""
    from .audit_chain import seal

    return seal()
