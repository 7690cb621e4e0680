"""Celery tasks of the certification app (autodiscovered from here). The outbox tasks are defined beside their
work in `certification.notifications` and keep their names `certification.tasks.send_notification` and
`certification.tasks.resend_stale_notifications`."""

from celery import shared_task

from .notifications import MAX_RETRIES, resend_stale_notifications, seal_audit_chain, send_notification

__all__ = ["MAX_RETRIES", "purge_expired_exports", "resend_stale_notifications", "run_export", "seal_audit_chain",
           "send_notification"]


@shared_task(acks_late=True)
def run_export(job_id: int):
    """Build one XLSX export (`certification.exports`)."""
    from .exports import export_job_run

    export_job_run(job_id=job_id)


@shared_task
def purge_expired_exports():
    """Periodic (beat, daily): export files past EXPORT_RETENTION_DAYS are deleted, their jobs marked expired."""
    from .exports import export_files_purge

    return export_files_purge()
