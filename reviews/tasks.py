from celery import shared_task


@shared_task
def expire_overdue_amendments():
    """Periodic: returned dossiers past their amendment deadline become ineligible (the service is idempotent)."""
    from .services import eligibility_expire_overdue_amendments

    return eligibility_expire_overdue_amendments()
