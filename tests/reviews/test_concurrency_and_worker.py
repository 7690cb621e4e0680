"""Two experts submitting at the same moment produce one aggregate (PostgreSQL row locks); the assignment job
runs in a real Celery worker."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from reviews import services
from reviews.models import Assignment, AssignmentJob, StageScore

SENIOR_MAX = {"guidance": 20, "professional": 15, "research": 20, "training": 15, "course": 15, "activity": 15}


def _eligible_with_experts(make_under_review, national_secretariat, n_experts=2):
    app = make_under_review()
    services.eligibility_decide(applications=[app], actor=national_secretariat, outcome="pass")
    services.eligibility_release(actor=national_secretariat)
    for i in range(n_experts):
        services.expert_create(authority=national_secretariat.authority, actor=national_secretariat,
                               email=f"w{i}@example.cn", full_name=f"专家{i}", unit=f"单位{i}")
    services.score_categories_sync(campaign=app.campaign)
    return app


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_experts_submitting_at_once_give_one_aggregate(make_under_review, national_secretariat):
    app = _eligible_with_experts(make_under_review, national_secretariat)
    services.assignment_run(campaign=app.campaign)
    assignments = list(Assignment.objects.filter(application=app).select_related("expert__user"))
    barrier = threading.Barrier(2)
    errors = []

    def go(assignment, share):
        try:
            barrier.wait(timeout=30)
            services.review_save(assignment=assignment, actor=assignment.expert.user, submit=True,
                                 scores={k: Decimal(v) * Decimal(share) for k, v in SENIOR_MAX.items()})
        except Exception as exc:  # noqa: BLE001 — asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(a, s)) for a, s in zip(assignments, ("0.8", "0.7"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    scores = list(StageScore.objects.filter(application=app))
    assert len(scores) == 1 and scores[0].score == Decimal("75.00") and len(scores[0].detail["parts"]) == 2


@pytest.mark.worker
def test_real_celery_worker_runs_the_assignment_job(transactional_db, tmp_path, settings, make_under_review,
                                                    national_secretariat):
    import time

    from config.celery_app import app as celery_app
    from tests.workers import celery_worker

    application = _eligible_with_experts(make_under_review, national_secretariat, n_experts=3)
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        job = services.assignment_job_create(campaign=application.campaign, actor=national_secretariat)
    finally:
        celery_app.conf.task_always_eager = eager
    assert job.status == AssignmentJob.Status.QUEUED and not Assignment.objects.exists()
    with celery_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)) as (send, worker, log_path):
        send(job.pk, task="reviews.tasks.run_assignment_job")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and job.status not in (AssignmentJob.Status.DONE,
                                                                 AssignmentJob.Status.FAILED):
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.3)
            job.refresh_from_db()
    assert job.status == AssignmentJob.Status.DONE, (job.failure_message, log_path.read_text())
    assert job.progress == 100 and job.assigned == 2
    application.refresh_from_db()
    assert application.status == "portfolio_review"
