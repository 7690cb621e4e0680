"""Celery jobs of the shortlist and the ranking. Both are idempotent: a repeated message changes nothing."""

from celery import shared_task


@shared_task(name="reviews.ranking_tasks.compute_shortlist", acks_late=True)
def compute_shortlist(round_id: int):
    from .ranking_services import shortlist_compute

    shortlist_compute(round_id=round_id)


@shared_task(name="reviews.ranking_tasks.compute_ranking", acks_late=True)
def compute_ranking(round_id: int):
    from .ranking_services import ranking_compute

    ranking_compute(round_id=round_id)
