from celery import shared_task


@shared_task(name="reviews.exam_tasks.close_expired_exam_papers")
def close_expired_exam_papers(limit=None):
    """Periodic: hand in papers whose clock ran out and mark as absent those never started before the end
    of their session. Idempotent: a paper a request already handed in is left alone."""
    from .exam_services import exam_papers_close_expired

    return exam_papers_close_expired(limit=limit)
