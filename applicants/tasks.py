"""Celery tasks of the applicants app (autodiscovered from here). `run_legacy_import` is defined beside its work
in `applicants.services` and keeps its name `applicants.tasks.run_legacy_import`."""

from celery import shared_task

from .services import legacy_import_files_purge, run_legacy_import

__all__ = ["purge_legacy_import_files", "run_legacy_import"]


@shared_task
def purge_legacy_import_files():
    """Periodic (beat, daily): uploaded legacy-import files past LEGACY_IMPORT_RETENTION_DAYS are deleted."""
    return legacy_import_files_purge()
