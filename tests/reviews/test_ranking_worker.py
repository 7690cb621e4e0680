"""The ranking job on a real Celery worker against Redis (SQLite file database or PostgreSQL)."""

import time
from decimal import Decimal

import pytest

from applicants.models import Application

S = Application.Status


@pytest.mark.worker
def test_real_worker_computes_the_ranking_and_a_repeated_message_changes_nothing(transactional_db, tmp_path,
                                                                                 make_user):
    from certification.seed import load_seed_campaigns
    from config.celery_app import app
    from reviews import ranking_services
    from reviews.models import RankingResult, RankingRound, StageScore
    from tests.workers import celery_worker

    senior = {c.slug: c for c in load_seed_campaigns()}["national-senior-2023"]
    senior.pass_value = Decimal("50")
    senior.save()
    apps = []
    for i, (p, e, d) in enumerate([(80, 70, 90), (90, 60, 80), (70.5, 88, 75)]):
        user = make_user()
        a = Application.objects.create(applicant=user, campaign=senior, level=senior.level, year=senior.year,
                                       status=S.SHORTLISTED, number=f"W{i}")
        for stage, score in (("portfolio", p), ("exam", e), ("defense", d)):
            StageScore.objects.create(application=a, stage=stage, score=Decimal(str(score)))
        apps.append(a)
    # Not eager: the request only queues (to the in-memory broker); the worker is sent the job explicitly.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        rnd = ranking_services.ranking_request(campaign=senior, actor=None)
    finally:
        app.conf.task_always_eager = eager
    assert rnd.status == RankingRound.Status.COMPUTING and not RankingResult.objects.exists()
    with celery_worker(tmp_path) as (send, worker, log_path):
        send(rnd.pk, task="reviews.ranking_tasks.compute_ranking")
        send(rnd.pk, task="reviews.ranking_tasks.compute_ranking")  # a repeated message
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and rnd.status == RankingRound.Status.COMPUTING:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.3)
            rnd.refresh_from_db()
        time.sleep(1)  # let the second message be consumed too
    rnd.refresh_from_db()
    assert rnd.status == RankingRound.Status.COMPUTED, (rnd.failure_message, log_path.read_text())
    assert rnd.runs == 1
    totals = dict(RankingResult.objects.values_list("application__number", "total"))
    assert totals == {"W0": Decimal("82.0000"), "W1": Decimal("82.0000"), "W2": Decimal("74.7000")}
    assert sorted(RankingResult.objects.values_list("rank", flat=True)) == [1, 1, 3]
