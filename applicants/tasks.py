"""Celery tasks of the applicants app (autodiscovered from here). `run_legacy_import` is defined beside its work
in `applicants.services` and keeps its name `applicants.tasks.run_legacy_import`."""

from celery import shared_task

from .services import legacy_import_files_purge, legacy_import_jobs_mark_interrupted, run_legacy_import

__all__ = ["mark_interrupted_legacy_imports", "purge_legacy_import_files", "run_legacy_import"]


@shared_task
def purge_legacy_import_files():
    """Periodic (beat, daily): uploaded legacy-import files past LEGACY_IMPORT_RETENTION_DAYS are deleted."""
    return legacy_import_files_purge()


@shared_task
def mark_interrupted_legacy_imports():
    """Periodic (beat, every 5 minutes): running imports whose worker stopped beating become resumable."""
    return legacy_import_jobs_mark_interrupted()
