"""Fixtures of the exam tests: a bank, a session of the national senior campaign and candidates in `exam`.

Imported by the tests/reviews/test_exam_*.py modules (not a conftest, so the other reviews tests are not
affected)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

SENIOR = "national-senior-2023"
NATIONAL = "中国青少年科技教育工作者协会"
BLUEPRINT = [
    {"kind": "single", "topic": "科学素质", "count": 3},
    {"kind": "single", "topic": "", "count": 2},
    {"kind": "multiple", "topic": "", "count": 2},
    {"kind": "true_false", "topic": "", "count": 2},
]


def make_bank(level="senior", *, singles=8, other_singles=4, multiples=4, true_false=4, prefix="Q"):
    from reviews.exam_models import QuestionItem

    items = []
    n = 0

    def add(kind, topic, options, answer, points):
        nonlocal n
        n += 1
        items.append(QuestionItem(level=level, code=f"{prefix}{n:05d}", kind=kind, topic=topic,
                                  stem=f"第{n}道{kind}题的题干", options=options, answer=answer,
                                  points=Decimal(points)))

    for _ in range(singles):
        add("single", "科学素质", ["甲", "乙", "丙", "丁"], "B", "2")
    for _ in range(other_singles):
        add("single", "教育理论", ["一", "二", "三"], "A", "2")
    for _ in range(multiples):
        add("multiple", "科技活动", ["春", "夏", "秋", "冬"], "AC", "4")
    for _ in range(true_false):
        add("true_false", "科学素质", ["正确", "错误"], "A", "1")
    return QuestionItem.objects.bulk_create(items)


def make_candidate(make_user, campaign, i, *, photo=False, status="exam"):
    """An application of `campaign` moved into `exam` the way the pipeline moves it."""
    from applicants.models import ApplicantProfile, Application
    from applicants.services import application_transition

    user = make_user(full_name=f"考生{i}")
    ApplicantProfile.objects.create(user=user, full_name=f"考生{i}", employer="南京市第一中学")
    application = Application.objects.create(
        applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
        status=Application.Status.ELIGIBLE, number=f"T{campaign.year}{i:05d}", submitted_at=timezone.now())
    if status != Application.Status.ELIGIBLE:
        application_transition(application=application, to=Application.Status.PORTFOLIO_REVIEW, actor=None,
                               action="reviews.portfolio.started", template=None)
    if status == Application.Status.EXAM:
        application_transition(application=application, to=Application.Status.EXAM, actor=None,
                               action="reviews.exam.candidate", template=None)
    return application


def make_session(campaign, *, starts=-60, ends=120, duration=30, blueprint=None, mode="online"):
    """A session whose window is open now (offsets in minutes from now)."""
    from reviews.exam_models import ExamSession
    from reviews.exam_services import exam_session_save

    now = timezone.now()
    session = ExamSession(campaign=campaign, title=f"{campaign.title} 笔试", mode=mode,
                          starts_at=now + dt.timedelta(minutes=starts), ends_at=now + dt.timedelta(minutes=ends),
                          duration_minutes=duration, blueprint=blueprint if blueprint is not None else BLUEPRINT,
                          rules="请独立作答。")
    return exam_session_save(session=session, actor=None)


def xlsx(rows, headers=("申报编号", "成绩", "缺考")) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def senior(seeded):
    return seeded[SENIOR]


@pytest.fixture
def bank(db):
    return make_bank()


@pytest.fixture
def session(senior, bank):
    return make_session(senior)


@pytest.fixture
def candidates(senior, make_user):
    return [make_candidate(make_user, senior, i) for i in range(1, 4)]


@pytest.fixture
def papers(session, candidates):
    from reviews.exam_models import ExamPaper
    from reviews.exam_services import exam_papers_generate

    exam_papers_generate(session=session, actor=None)
    return list(ExamPaper.objects.filter(session=session).select_related("application", "session")
                .order_by("candidate_number"))


@pytest.fixture
def national_secretariat(seeded, make_user):
    from certification.models import Role

    return make_user(Role.NATIONAL_SECRETARIAT, NATIONAL)
