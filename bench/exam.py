"""The exam centre as the bank and the campaign grow; printed as ratios measured in one run.

1. The exam page (and an answer save, and 考试中心) read the same number of queries with a bank of
   SMALL_BANK and of BIG_BANK items: a paper reads only its own items.
2. Importing IMPORT_ROWS exam scores (the confirm step: check every row again and write all of them) takes at
   most 2× a bare `bulk_create` of the same StageScore rows. The preview (reading the XLSX and checking it)
   and the whole upload-to-written path are printed too, for reading.

Run: `.venv/bin/python bench/exam.py` (or `make bench`). Uses a throwaway SQLite file, or a throwaway database
on the PostgreSQL server of DATABASE_URL if that is set (the 2× target is stated for PostgreSQL). Exits
non-zero if a query count grows with the bank, or the import is over 2× on PostgreSQL.
"""

import datetime as dt
import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from _helpers import run_in_throwaway_database, sql_of  # noqa: E402 — bench/ is the script's folder

SMALL_BANK, BIG_BANK = 60, 5000
IMPORT_ROWS = 10_000
REPEATS = 5
IMPORT_LIMIT = 2.0


def grow_bank(n: int) -> None:
    from decimal import Decimal

    from reviews.exam_models import QuestionItem

    have = QuestionItem.objects.count()
    kinds = [("single", ["甲", "乙", "丙", "丁"], "B", "2"), ("multiple", ["春", "夏", "秋", "冬"], "AC", "4"),
             ("true_false", ["正确", "错误"], "A", "1")]
    QuestionItem.objects.bulk_create([
        QuestionItem(level="senior", code=f"B{i:06d}", kind=kinds[i % 3][0], topic=f"知识点{i % 4}",
                     stem=f"第{i}题题干", options=kinds[i % 3][1], answer=kinds[i % 3][2],
                     points=Decimal(kinds[i % 3][3]))
        for i in range(have, n)], batch_size=2000)


def candidates(campaign, n: int, *, prefix: str):
    from applicants.models import ApplicantProfile, Application
    from certification.models import Role, User

    users = User.objects.bulk_create([User(email=f"{prefix}{i}@example.cn", role=Role.APPLICANT,
                                           full_name=f"考生{i}") for i in range(n)], batch_size=2000)
    ApplicantProfile.objects.bulk_create([ApplicantProfile(user=u, full_name=u.full_name) for u in users],
                                         batch_size=2000)
    return Application.objects.bulk_create([
        Application(applicant=u, campaign=campaign, level=campaign.level, year=campaign.year,
                    status=Application.Status.EXAM, number=f"{prefix.upper()}{campaign.year}{i:06d}")
        for i, u in enumerate(users)], batch_size=2000)


def count_queries(func) -> int:
    return len(sql_of(func))


def timed(func, *, setup=None) -> float:
    """The time of one call (after `setup`, which is not timed)."""
    if setup:
        setup()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    return run_in_throwaway_database(run, prefix="bench_exam")


def run() -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from certification.models import Authority, Role, User
    from certification.seed import load_seed_campaigns
    from reviews import exam_services as services
    from reviews.exam_models import ExamPaper, ExamPaperItem, ExamSession
    from reviews.models import StageScore

    setup_test_environment(debug=False)
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    seeded = {c.slug: c for c in load_seed_campaigns()}
    online, external = seeded["national-senior-2023"], seeded["jiangsu-intermediate-2024"]
    status = 0

    # --- 1. the exam page against the size of the bank --------------------------------------------------
    grow_bank(SMALL_BANK)
    now = timezone.now()
    session = services.exam_session_save(actor=None, session=ExamSession(
        campaign=online, title="基准笔试", starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3), duration_minutes=120,
        blueprint=[{"kind": "single", "topic": "", "count": 10}, {"kind": "multiple", "topic": "", "count": 5},
                   {"kind": "true_false", "topic": "", "count": 5}]))
    [application] = candidates(online, 1, prefix="page")
    services.exam_papers_generate(session=session, actor=None)
    paper = services.exam_paper_start(paper=ExamPaper.objects.get(application=application), actor=None)
    item_ids = list(ExamPaperItem.objects.filter(paper=paper).values_list("item_id", flat=True))
    client = Client()
    client.force_login(application.applicant)
    paper_url, save_url = f"/exam/papers/{paper.pk}/", f"/exam/papers/{paper.pk}/save/"
    checks = {
        "exam page, all questions": lambda: client.get(paper_url),
        "exam page, one question (?q=3)": lambda: client.get(paper_url + "?q=3"),
        "answer save (autosave, JSON)": lambda: client.post(
            save_url, {"items": item_ids[0], f"answer-{item_ids[0]}": "A"}, HTTP_ACCEPT="application/json"),
        "考试中心 /exam/": lambda: client.get("/exam/"),
    }
    small = {label: count_queries(f) for label, f in checks.items()}
    grow_bank(BIG_BANK)
    big = {label: count_queries(f) for label, f in checks.items()}
    print(f"Exam pages, bank of {SMALL_BANK} → {BIG_BANK} items (a paper of 20):")
    print(f"{'page':<36} {'q@' + str(SMALL_BANK):>7} {'q@' + str(BIG_BANK):>7}  verdict")
    for label in checks:
        flat = small[label] == big[label]
        status |= 0 if flat else 1
        print(f"{label:<36} {small[label]:>7} {big[label]:>7}  {'flat' if flat else 'GROWS'}")

    # --- 2. importing 10,000 exam scores vs a bare bulk_create ------------------------------------------
    from openpyxl import Workbook

    services.exam_session_save(actor=None, session=ExamSession(
        campaign=external, title="外部考点笔试", mode="external", starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(hours=20), duration_minutes=120, blueprint=[]))
    applications = candidates(external, IMPORT_ROWS, prefix="imp")
    book = Workbook()
    sheet = book.active
    sheet.append(["申报编号", "成绩", "缺考"])
    for i, a in enumerate(applications):
        sheet.append([a.number, None, "是"] if i % 50 == 0 else [a.number, round(40 + (i * 37 % 6000) / 100, 2), ""])
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    secretariat = User.objects.create_user(email="bench-js@example.cn", role=Role.PROVINCIAL_SECRETARIAT,
                                           authority=Authority.objects.get(name="江苏省青少年科技教育协会"))
    ids = [a.pk for a in applications]

    def clear():
        StageScore.objects.filter(application__campaign=external).delete()

    def bare():
        from decimal import Decimal

        StageScore.objects.bulk_create(
            [StageScore(application_id=pk, stage="exam", score=None if i % 50 == 0 else Decimal("75.50"),
                        absent=i % 50 == 0, detail={"source": "import", "import": 0, "row": i + 2})
             for i, pk in enumerate(ids)], batch_size=2000)

    records = []

    def preview():
        records.append(services.exam_score_import_preview(
            campaign=external, actor=secretariat,
            upload=SimpleUploadedFile("scores.xlsx", data, content_type="application/octet-stream")))

    def confirm():
        services.exam_score_import_confirm(record=records[-1], actor=secretariat)

    # Interleaved, so that a busy machine slows both sides alike.
    t_bares, t_previews, t_confirms = [], [], []
    for _ in range(REPEATS):
        clear()
        t_bares.append(timed(bare, setup=clear))
        clear()
        t_previews.append(timed(preview))
        assert records[-1].error_report == [], records[-1].error_report[:3]
        t_confirms.append(timed(confirm))
    t_bare, t_preview, t_confirm = (statistics.median(t) for t in (t_bares, t_previews, t_confirms))
    assert StageScore.objects.filter(application__campaign=external).count() == IMPORT_ROWS
    ratio = t_confirm / t_bare
    print(f"\nImporting {IMPORT_ROWS:,} exam scores on {connection.vendor} (median of {REPEATS}; ratio to a bare "
          f"bulk_create of the same StageScore rows in this run):")
    print(f"{'step':<52} {'ratio':>6}")
    print(f"{'bare bulk_create':<52} {1.0:>6.2f}")
    print(f"{'import confirm: check every row again + upsert all':<52} {ratio:>6.2f}  "
          f"target ≤ {IMPORT_LIMIT:.0f}× {'ok' if ratio <= IMPORT_LIMIT else 'OVER'}")
    print(f"{'preview: read the XLSX + check every row (no writes)':<52} {t_preview / t_bare:>6.2f}")
    print(f"{'upload to written (preview + confirm)':<52} {(t_preview + t_confirm) / t_bare:>6.2f}")
    if ratio > IMPORT_LIMIT and connection.vendor == "postgresql":
        status |= 1
    return status


if __name__ == "__main__":
    sys.exit(main())
