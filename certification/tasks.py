"""Celery tasks of the certification app (autodiscovered from here). The outbox task is defined beside its
work in `certification.notifications` and keeps its name `certification.tasks.send_notification`."""

from .notifications import MAX_RETRIES, send_notification

__all__ = ["MAX_RETRIES", "send_notification"]
