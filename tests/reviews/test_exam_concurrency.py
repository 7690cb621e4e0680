# ruff: noqa: F811 — fixtures are imported from exam_fixtures
"""200 candidates saving answers at once keep every answer; a hand-in racing answer saves never leaves an
answer unscored. And the beat task runs in a real Celery worker.

The races need PostgreSQL: SQLite serialises writers on the whole file and has no row locks, so the races these tests
are about cannot happen on it. Threads are bounded (a pool of 16), every wait has a timeout.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from applicants.models import ApplicantProfile, Application
from certification.models import Role, User
from reviews import exam_services as services
from reviews.exam_models import ExamAnswer, ExamPaper, ExamPaperItem

from .exam_fixtures import bank, make_session, senior  # noqa: F401

pg_only = pytest.mark.skipif(connection.vendor != "postgresql",
                             reason="needs PostgreSQL row locks and concurrent writers")

CANDIDATES = 200
THREADS = 16


def _candidates(campaign, n):
    users = User.objects.bulk_create([User(email=f"conc{i}@example.cn", role=Role.APPLICANT, full_name=f"考生{i}")
                                      for i in range(n)])
    ApplicantProfile.objects.bulk_create([ApplicantProfile(user=u, full_name=u.full_name) for u in users])
    Application.objects.bulk_create([
        Application(applicant=u, campaign=campaign, level=campaign.level, year=campaign.year,
                    status=Application.Status.EXAM, number=f"C{campaign.year}{i:05d}") for i, u in enumerate(users)])


def _started_papers(senior):
    session = make_session(senior, duration=60)
    _candidates(senior, CANDIDATES)
    assert services.exam_papers_generate(session=session, actor=None) == CANDIDATES
    now = timezone.now()
    ExamPaper.objects.update(status=ExamPaper.Status.IN_PROGRESS, started_at=now,
                             deadline=now + timezone.timedelta(minutes=60))
    drawn = {}
    for paper_id, item_id in ExamPaperItem.objects.values_list("paper_id", "item_id"):
        drawn.setdefault(paper_id, []).append(item_id)
    return list(ExamPaper.objects.order_by("pk")), drawn


def _run_all(jobs):
    barrier = threading.Barrier(min(THREADS, len(jobs)))
    errors = []

    def run(job):
        try:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            job()
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        for f in futures:
            f.result(timeout=180)
    return errors


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_hundred_candidates_saving_at_once_keep_every_answer(senior, bank):
    papers, drawn = _started_papers(senior)

    def candidate(paper):
        def job():
            for item_id in drawn[paper.pk]:  # autosave: one request per change
                services.exam_answers_save(paper=paper, answers={item_id: "A"}, actor=None)
            # Then a change of mind on the first item, the way a second tab would send it.
            services.exam_answers_save(paper=paper, answers={drawn[paper.pk][0]: "B"}, actor=None)
        return job

    def second_tab(paper):
        def job():
            services.exam_answers_save(paper=paper, answers={i: "A" for i in drawn[paper.pk][1:]}, actor=None)
        return job

    jobs = [candidate(p) for p in papers] + [second_tab(p) for p in papers[:40]]
    errors = _run_all(jobs)
    assert errors == []
    assert ExamAnswer.objects.count() == sum(len(v) for v in drawn.values()) == CANDIDATES * 9
    rows = {(paper_id, item_id): choice for paper_id, item_id, choice in
            ExamAnswer.objects.values_list("paper_id", "item_id", "choice")}
    for paper in papers:
        first, *rest = drawn[paper.pk]
        assert rows[(paper.pk, first)] == "B"
        assert all(rows[(paper.pk, i)] == "A" for i in rest)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_hand_in_racing_answer_saves_never_leaves_an_answer_unscored(senior, bank):
    papers, drawn = _started_papers(senior)
    papers = papers[:40]
    refused = []

    def saver(paper):
        def job():
            for item_id in drawn[paper.pk]:
                try:
                    services.exam_answers_save(paper=paper, answers={item_id: "A"}, actor=None)
                except Exception as exc:  # noqa: BLE001 — a save after the hand-in is refused, by design
                    refused.append(str(exc))
                    return
        return job

    def hand_in(paper):
        return lambda: services.exam_paper_submit(paper=paper, actor=None)

    jobs = [j for p in papers for j in (saver(p), hand_in(p))]
    errors = _run_all(jobs)
    assert errors == []
    assert all("您已交卷" in r for r in refused)
    for paper in ExamPaper.objects.filter(pk__in=[p.pk for p in papers]):
        assert paper.status == ExamPaper.Status.SUBMITTED
        points = list(ExamAnswer.objects.filter(paper=paper).values_list("points_awarded", flat=True))
        assert None not in points  # every answer that got in before the hand-in was scored
        assert paper.raw_points == sum(points, start=paper.raw_points * 0)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_beat_task_that_hands_in_expired_papers(senior, bank, tmp_path):
    from tests.workers import celery_worker

    session = make_session(senior)
    _candidates(senior, 3)
    services.exam_papers_generate(session=session, actor=None)
    papers = list(ExamPaper.objects.order_by("pk"))
    for p in papers:
        services.exam_paper_start(paper=p, actor=None)
    ExamPaper.objects.filter(pk__in=[p.pk for p in papers[:2]]).update(
        deadline=timezone.now() - timezone.timedelta(seconds=5))
    with celery_worker(tmp_path) as (send, worker, log_path):
        send(100, task="reviews.exam_tasks.close_expired_exam_papers")
        deadline = timezone.now() + timezone.timedelta(seconds=45)
        while timezone.now() < deadline and ExamPaper.objects.filter(status="submitted").count() < 2:
            assert worker.poll() is None, log_path.read_text()
            threading.Event().wait(0.3)
    assert ExamPaper.objects.filter(status="submitted").count() == 2, log_path.read_text()
    assert ExamPaper.objects.get(pk=papers[2].pk).status == ExamPaper.Status.IN_PROGRESS
