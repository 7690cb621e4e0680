"""The shortlist for the defense: renormalised portfolio + exam score, by proportion and by minimum, each tie rule
at the cut-off, computed by the job, confirmed, released with the stage moves and notifications."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from applicants.models import Application
from certification.models import AuditEntry, Campaign, Notification
from reviews import ranking_services
from reviews.models import ShortlistEntry, ShortlistRound, StageScore

from .conftest import set_rules

pytestmark = pytest.mark.django_db
S = Application.Status
D = Decimal


@pytest.fixture(autouse=True)
def _jobs(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks


@pytest.fixture
def exam_table(senior, scored):
    """Senior weights P 50, E 15 → shortlist score (50·P + 15·E) / 65:

    | who | P  | E      | score                       | rank |
    | Z   | 90 | 40     | (4500 + 600) / 65 = 78.4615  | 1    |
    | X   | 80 | 70     | (4000 + 1050) / 65 = 77.6923 | 2    |
    | Y   | 77 | 80     | (3850 + 1200) / 65 = 77.6923 | 2    |
    | W   | 60 | 90     | (3000 + 1350) / 65 = 66.9231 | 4    |
    | V   | 50 | absent | 2500 / 65 = 38.4615          | 5    |
    X submitted before Y.
    """
    return {
        "Z": scored(senior, S.EXAM, portfolio=90, exam=40),
        "X": scored(senior, S.EXAM, portfolio=80, exam=70, submitted_minutes=5),
        "Y": scored(senior, S.EXAM, portfolio=77, exam=80, submitted_minutes=50),
        "W": scored(senior, S.EXAM, portfolio=60, exam=90),
        "V": scored(senior, S.EXAM, portfolio=50, absent=("exam",)),
    }


def _compute(campaign, actor=None):
    with _capture(execute=True):
        ranking_services.shortlist_request(campaign=campaign, actor=actor)
    return ShortlistRound.objects.get(campaign=campaign)


def _entries(table):
    rows = {e.application_id: e for e in ShortlistEntry.objects.all()}
    return {k: rows[a.pk] for k, a in table.items()}


def test_shortlist_scores_and_ranks_match_the_hand_computed_table(senior, exam_table):
    set_rules(senior, shortlist_mode=Campaign.CutoffMode.PROPORTION, shortlist_value=D("60"))
    rnd = _compute(senior)
    assert rnd.status == "computed", rnd.failure_message
    e = _entries(exam_table)
    assert {k: v.combined for k, v in e.items()} == {
        "Z": D("78.4615"), "X": D("77.6923"), "Y": D("77.6923"), "W": D("66.9231"), "V": D("38.4615")}
    assert {k: v.rank for k, v in e.items()} == {"Z": 1, "X": 2, "Y": 2, "W": 4, "V": 5}
    assert e["V"].exam_absent and e["V"].exam is None
    # K = ⌈5 × 60 / 100⌉ = 3
    assert (rnd.pool_size, rnd.quota, rnd.selected_count) == (5, 3, 3)
    assert {k for k, v in e.items() if v.selected} == {"Z", "X", "Y"}


@pytest.mark.parametrize("tie_rule, selected", [
    (Campaign.TieRule.INCLUDE_ALL, {"Z", "X", "Y"}),      # X and Y tie on the 2nd place: both in
    (Campaign.TieRule.HIGHER_LATER_STAGE, {"Z", "Y"}),    # the exam decides: Y 80 > X 70
    (Campaign.TieRule.EARLIER_SUBMISSION, {"Z", "X"}),    # X submitted first
])
def test_tie_at_the_shortlist_cut_off_under_each_tie_rule(senior, exam_table, tie_rule, selected):
    set_rules(senior, shortlist_mode=Campaign.CutoffMode.PROPORTION, shortlist_value=D("40"), tie_rule=tie_rule)
    rnd = _compute(senior)
    assert rnd.quota == 2  # ⌈5 × 40 / 100⌉
    assert {k for k, v in _entries(exam_table).items() if v.selected} == selected


@pytest.mark.parametrize("value, selected", [
    ("66.92", {"Z", "X", "Y", "W"}),   # W's 66.923… is above 66.92
    ("66.93", {"Z", "X", "Y"}),
    ("77.69", {"Z", "X", "Y"}),        # a tie sits on the same side of a minimum score
    ("78.47", set()),
])
def test_shortlist_by_minimum_score(senior, exam_table, value, selected):
    set_rules(senior, shortlist_mode=Campaign.CutoffMode.MIN_SCORE, shortlist_value=D(value))
    rnd = _compute(senior)
    assert rnd.quota is None
    assert {k for k, v in _entries(exam_table).items() if v.selected} == selected


def test_confirm_then_release_moves_everyone_and_tells_them(senior, exam_table, national_secretariat):
    set_rules(senior, shortlist_value=D("60"))
    _compute(senior, national_secretariat)
    with pytest.raises(ValidationError, match="须先经秘书处确认"):
        ranking_services.shortlist_release(campaign=senior, actor=national_secretariat)
    ranking_services.shortlist_confirm(campaign=senior, actor=national_secretariat)
    with _capture(execute=True):
        ranking_services.shortlist_release(campaign=senior, actor=national_secretariat)
    statuses = {k: Application.objects.get(pk=a.pk).status for k, a in exam_table.items()}
    assert statuses == {"Z": S.SHORTLISTED, "X": S.SHORTLISTED, "Y": S.SHORTLISTED, "W": S.NOT_SHORTLISTED,
                        "V": S.NOT_SHORTLISTED}
    entry = AuditEntry.objects.for_object(exam_table["W"]).get(action="reviews.application.not_shortlisted")
    assert "入围成绩66.92分，排名第4名，未入围答辩" in entry.reason and entry.actor == national_secretariat
    note = Notification.objects.get(recipient=exam_table["Z"].applicant)
    assert "入围答辩" in note.body
    # Released: frozen.
    with pytest.raises(ValidationError, match="入围答辩名单已公布"):
        ranking_services.shortlist_request(campaign=senior, actor=national_secretariat)


def test_recomputing_a_confirmed_shortlist_drops_the_confirmation_and_takes_the_new_rule(
        senior, exam_table, national_secretariat):
    set_rules(senior, shortlist_value=D("60"))
    first = _compute(senior, national_secretariat)
    ranking_services.shortlist_confirm(campaign=senior, actor=national_secretariat)
    set_rules(senior, shortlist_value=D("20"))
    rnd = _compute(senior, national_secretariat)
    assert rnd.pk == first.pk and rnd.status == "computed" and rnd.value == D("20")
    assert rnd.confirmed_by is None and rnd.confirmed_at is None
    assert {k for k, v in _entries(exam_table).items() if v.selected} == {"Z"}  # ⌈5 × 20 %⌉ = 1
    assert AuditEntry.objects.for_object(rnd).filter(action="reviews.shortlist.computing").count() == 2


def test_a_score_change_after_computing_blocks_confirmation(senior, exam_table, national_secretariat):
    set_rules(senior, shortlist_value=D("60"))
    _compute(senior)
    s = StageScore.objects.get(application=exam_table["W"], stage="exam")
    s.score = D("100")
    s.save()
    with pytest.raises(ValidationError, match="请重新计算入围答辩名单"):
        ranking_services.shortlist_confirm(campaign=senior, actor=national_secretariat)
    rnd = _compute(senior)  # re-computing picks the change up: W now (3000 + 1500) / 65 = 69.2308
    assert ShortlistEntry.objects.get(application=exam_table["W"]).combined == D("69.2308")
    assert rnd.status == "computed"


def test_shortlist_needs_every_score_and_a_rule(senior, exam_table, scored, seeded):
    scored(senior, S.EXAM, portfolio=70)
    rnd = _compute(senior)
    assert rnd.status == "failed" and rnd.failure_message == "不能计算入围答辩名单：1份申请缺少笔试得分。"
    assert not ShortlistEntry.objects.exists()
    with pytest.raises(ValidationError, match="只有设笔试和答辩的认证活动"):
        ranking_services.shortlist_request(campaign=seeded["jiangsu-junior-2024"], actor=None)
    senior.shortlist_value = None
    with pytest.raises(ValidationError, match="尚未设置入围比例或分数线"):
        ranking_services.shortlist_request(campaign=senior, actor=None)
