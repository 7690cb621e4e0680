from celery import shared_task


@shared_task
def expire_overdue_amendments():
    """Periodic: returned dossiers past their amendment deadline become ineligible (the service is idempotent)."""
    from .services import eligibility_expire_overdue_amendments

    return eligibility_expire_overdue_amendments()


@shared_task
def run_assignment_job(job_id):
    """Background automatic assignment with progress; a re-run staffs only what is still missing."""
    from .services import assignment_job_run

    return assignment_job_run(job_id=job_id).pk


@shared_task
def remind_overdue_reviews():
    """Periodic: one reminder a day to experts past the campaign's review due date."""
    from .services import reviews_remind_overdue

    return reviews_remind_overdue()
