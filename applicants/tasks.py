from celery import shared_task


@shared_task
def expire_overdue_amendments():
    """Periodic: returned dossiers past their amendment deadline become ineligible (the service is idempotent)."""
    from .services import applications_expire_overdue_amendments

    return applications_expire_overdue_amendments()
