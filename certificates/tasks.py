"""Celery tasks of the publication stage.

Certificate PDFs are rendered in chunks; WeasyPrint's memory grows across renders, so workers are recycled
after `CELERY_WORKER_MAX_TASKS_PER_CHILD` tasks (settings) and a chunk is small enough that a child process
never holds many renders' worth of memory.
"""

from celery import group, shared_task
from django.conf import settings

from . import services


@shared_task
def advance_notices():
    return services.notices_advance()


@shared_task(bind=True, acks_late=True)
def run_certificate_batch(self, batch_id: int):
    chunks = services.certificate_batch_chunks(batch_id=batch_id, chunk_size=settings.CERTIFICATE_CHUNK_SIZE)
    if chunks:
        # The chunks go to the queue this task came from, so a dedicated certificate queue keeps its work.
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        group(issue_certificate_chunk.s(batch_id, chunk) for chunk in chunks).apply_async(queue=queue)
    return len(chunks)


@shared_task(acks_late=True)
def issue_certificate_chunk(batch_id: int, application_ids: list[int]):
    services.certificate_batch_run_chunk(batch_id=batch_id, application_ids=application_ids)
    return len(application_ids)
