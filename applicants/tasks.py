from celery import shared_task


@shared_task
def run_legacy_import(job_id):
    """Background legacy import; re-running starts the job over, which is safe because the import is idempotent."""
    from .services import legacy_import_job_run

    legacy_import_job_run(job_id=job_id)
