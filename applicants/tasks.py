"""Celery tasks of the applicants app (autodiscovered from here). `run_legacy_import` is defined beside its work
in `applicants.services` and keeps its name `applicants.tasks.run_legacy_import`."""

from .services import run_legacy_import

__all__ = ["run_legacy_import"]
