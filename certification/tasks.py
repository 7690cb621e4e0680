"""Celery tasks of the certification app (autodiscovered from here). The outbox task is defined beside its
work in `certification.notifications` and keeps its name `certification.tasks.send_notification`."""

from celery import shared_task

from .notifications import MAX_RETRIES, send_notification

__all__ = ["MAX_RETRIES", "run_export", "send_notification"]


@shared_task(acks_late=True)
def run_export(job_id: int):
    """Build one XLSX export (`certification.exports`)."""
    from .exports import export_job_run

    export_job_run(job_id=job_id)
