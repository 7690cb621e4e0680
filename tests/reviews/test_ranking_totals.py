"""Weighted totals, ranks and pass decisions against hand-computed tables; every tie rule at the cut-off;
re-runs; publication freezes the results."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from applicants.models import Application
from certification.models import AuditEntry, Campaign, Notification
from reviews import ranking_selectors, ranking_services
from reviews.models import RankingResult, RankingRound, StageScore

from .conftest import set_rules

pytestmark = pytest.mark.django_db
S = Application.Status
D = Decimal


@pytest.fixture
def senior_table(senior, scored):
    """Senior 2023 weights 50/15/35. Hand-computed totals (T = 0.50·P + 0.15·E + 0.35·D):

    | who | P    | E  | D      | total                         | rank |
    | A   | 80   | 70 | 90     | 40 + 10.5 + 31.5   = 82.00    | 1    |
    | B   | 90   | 60 | 80     | 45 + 9 + 28        = 82.00    | 1    |
    | C   | 70.5 | 88 | 75     | 35.25 + 13.2 + 26.25 = 74.70  | 3    |
    | Dd  | 60   | 50 | absent | 30 + 7.5 + 0       = 37.50    | 4    |
    | E   | 50   | 40 | –      | 25 + 6             = 31.00    | 5  (not shortlisted: ranked, not deciding)
    A submitted after B.
    """
    return {
        "A": scored(senior, S.SHORTLISTED, portfolio=80, exam=70, defense=90, submitted_minutes=30),
        "B": scored(senior, S.SHORTLISTED, portfolio=90, exam=60, defense=80, submitted_minutes=10),
        "C": scored(senior, S.SHORTLISTED, portfolio=70.5, exam=88, defense=75),
        "Dd": scored(senior, S.SHORTLISTED, portfolio=60, exam=50, absent=("defense",)),
        "E": scored(senior, S.NOT_SHORTLISTED, portfolio=50, exam=40),
    }


@pytest.fixture(autouse=True)
def _jobs(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks


def _run(campaign, actor=None):
    """Request the ranking; its Celery job (eager here) runs when the request's transaction commits."""
    with _capture(execute=True):
        ranking_services.ranking_request(campaign=campaign, actor=actor)
    return RankingRound.objects.get(campaign=campaign)


def _results(table):
    rows = {r.application_id: r for r in RankingResult.objects.all()}
    return {k: rows[a.pk] for k, a in table.items()}


def test_weighted_totals_and_ranks_match_the_hand_computed_table(senior, senior_table):
    set_rules(senior, pass_mode=Campaign.CutoffMode.PROPORTION, pass_value=D("50"),
              tie_rule=Campaign.TieRule.INCLUDE_ALL)
    rnd = _run(senior)
    assert rnd.status == RankingRound.Status.COMPUTED, rnd.failure_message
    r = _results(senior_table)
    assert {k: v.total for k, v in r.items()} == {
        "A": D("82.0000"), "B": D("82.0000"), "C": D("74.7000"), "Dd": D("37.5000"), "E": D("31.0000")}
    assert {k: v.rank for k, v in r.items()} == {"A": 1, "B": 1, "C": 3, "Dd": 4, "E": 5}
    assert (r["Dd"].defense, r["Dd"].defense_absent) == (None, True)
    assert (r["C"].portfolio, r["C"].exam, r["C"].defense) == (D("70.50"), D("88.00"), D("75.00"))
    # Pool = the 4 shortlisted; K = ⌈4 × 50 / 100⌉ = 2; A and B share rank 1.
    assert (rnd.pool_size, rnd.quota, rnd.ranked_count, rnd.passed_count) == (4, 2, 5, 2)
    assert {k for k, v in r.items() if v.passed} == {"A", "B"}
    assert not r["E"].in_pool and not r["E"].passed


@pytest.mark.parametrize("tie_rule, passed", [
    (Campaign.TieRule.INCLUDE_ALL, {"A", "B"}),          # both tied at the cut-off pass: 2 for a quota of 1
    (Campaign.TieRule.HIGHER_LATER_STAGE, {"A"}),        # A's defense 90 beats B's 80
    (Campaign.TieRule.EARLIER_SUBMISSION, {"B"}),        # B submitted 20 minutes before A
])
def test_tie_at_the_pass_cut_off_under_each_tie_rule(senior, senior_table, tie_rule, passed):
    set_rules(senior, pass_mode=Campaign.CutoffMode.PROPORTION, pass_value=D("25"), tie_rule=tie_rule)
    rnd = _run(senior)
    assert rnd.quota == 1  # ⌈4 × 25 / 100⌉
    r = _results(senior_table)
    assert {k for k, v in r.items() if v.passed} == passed
    # The displayed rank stays the rank by total; the tie rule only decides.
    assert r["A"].rank == r["B"].rank == 1


@pytest.mark.parametrize("value, passed", [
    ("74.70", {"A", "B", "C"}),   # exactly on the line passes
    ("74.71", {"A", "B"}),
    ("0", {"A", "B", "C", "Dd"}),  # the not-shortlisted never take part in the decision
])
def test_pass_by_minimum_score(senior, senior_table, value, passed):
    set_rules(senior, pass_mode=Campaign.CutoffMode.MIN_SCORE, pass_value=D(value))
    _run(senior)
    assert {k for k, v in _results(senior_table).items() if v.passed} == passed


def test_rerun_gives_the_same_result(senior, senior_table):
    set_rules(senior, pass_value=D("50"))
    _run(senior)
    first = list(RankingResult.objects.order_by("application_id").values_list(
        "application_id", "total", "rank", "decision_rank", "passed"))
    rnd = _run(senior)
    assert rnd.runs == 2
    assert list(RankingResult.objects.order_by("application_id").values_list(
        "application_id", "total", "rank", "decision_rank", "passed")) == first


def test_publishing_moves_applications_tells_applicants_and_freezes_the_results(
        senior, senior_table, national_secretariat, django_capture_on_commit_callbacks):
    set_rules(senior, pass_value=D("50"))
    _run(senior, national_secretariat)
    assert not ranking_selectors.campaign_results_published(senior)
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.results_publish(campaign=senior, actor=national_secretariat)
    assert ranking_selectors.campaign_results_published(senior)
    statuses = {k: Application.objects.get(pk=a.pk).status for k, a in senior_table.items()}
    assert statuses == {"A": S.CERTIFIED, "B": S.CERTIFIED, "C": S.NOT_CERTIFIED, "Dd": S.NOT_CERTIFIED,
                        "E": S.NOT_SHORTLISTED}
    entry = AuditEntry.objects.for_object(senior_table["A"]).get(action="reviews.application.certified")
    assert entry.actor == national_secretariat and "加权总分82.00分，排名第1名" in entry.reason
    assert AuditEntry.objects.for_object(senior_table["C"]).filter(action="reviews.application.not_certified").exists()
    assert Notification.objects.filter(recipient=senior_table["A"].applicant).count() == 1
    frozen = list(RankingResult.objects.order_by("pk").values())

    # A late score change and a re-run: refused, and nothing published changes.
    StageScore.objects.filter(application=senior_table["C"], stage="defense").update(score=D("100"))
    with pytest.raises(ValidationError, match="认证结果已公布，排名已冻结"):
        ranking_services.ranking_request(campaign=senior, actor=national_secretariat)
    # Even the job itself, run again by hand for a published round, touches nothing.
    ranking_services.ranking_compute(round_id=RankingRound.objects.get(campaign=senior).pk)
    assert list(RankingResult.objects.order_by("pk").values()) == frozen
    with pytest.raises(ValidationError):
        ranking_services.results_publish(campaign=senior, actor=national_secretariat)


def test_publishing_refused_when_scores_changed_after_computing(senior, senior_table, national_secretariat):
    set_rules(senior, pass_value=D("50"))
    _run(senior)
    score = StageScore.objects.get(application=senior_table["C"], stage="defense")
    score.score = D("99")
    score.save()
    with pytest.raises(ValidationError, match="请重新计算成绩排名"):
        ranking_services.results_publish(campaign=senior, actor=national_secretariat)
    assert Application.objects.get(pk=senior_table["A"].pk).status == S.SHORTLISTED


def test_weights_not_summing_to_100_are_refused(senior, senior_table):
    senior.weight_defense = 30  # 50 + 15 + 30 = 95; the database would refuse to store it as well
    with pytest.raises(ValidationError) as exc:
        ranking_services.ranking_request(campaign=senior, actor=None)
    assert "各环节权重之和必须为100（当前为95）。" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        senior.full_clean()
    assert "各环节权重之和必须为100。" in exc.value.message_dict["weight_portfolio"]
    assert not RankingRound.objects.exists() and not RankingResult.objects.exists()


def test_a_weight_on_a_stage_the_campaign_does_not_have_is_refused(seeded):
    jilin = seeded["jilin-junior-2024"]
    jilin.weight_portfolio, jilin.weight_exam = 80, 20  # sums to 100, but Jilin junior has no exam
    with pytest.raises(ValidationError, match="不设笔试，笔试权重必须为0"):
        ranking_services.ranking_request(campaign=jilin, actor=None)


def test_missing_scores_fail_the_job_with_a_clear_message_and_write_nothing(senior, senior_table, scored):
    scored(senior, S.SHORTLISTED, portfolio=70, exam=60)  # no defense score yet
    rnd = _run(senior)
    assert rnd.status == RankingRound.Status.FAILED
    assert rnd.failure_message == "不能计算成绩排名：1份申请缺少答辩得分。"
    assert not RankingResult.objects.exists()
    assert AuditEntry.objects.for_object(rnd).filter(action="reviews.ranking.failed").exists()


def test_portfolio_only_campaign_goes_from_portfolio_review_to_a_decision(seeded, scored, jilin_secretariat,
                                                                         django_capture_on_commit_callbacks):
    jilin = seeded["jilin-junior-2024"]  # 100% portfolio, pass by minimum score 60
    a = scored(jilin, S.PORTFOLIO_REVIEW, portfolio=60, province="220000")
    b = scored(jilin, S.PORTFOLIO_REVIEW, portfolio=59.99, province="220000")
    rnd = _run(jilin, jilin_secretariat)
    assert rnd.pool_status == S.PORTFOLIO_REVIEW and rnd.passed_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.results_publish(campaign=jilin, actor=jilin_secretariat)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (S.CERTIFIED, S.NOT_CERTIFIED)
    assert RankingResult.objects.get(application=b).total == D("59.9900")


def test_exam_without_defense_campaign_goes_from_exam_to_a_decision(seeded, scored, jiangsu_secretariat):
    js = seeded["jiangsu-junior-2024"]  # portfolio 70, exam 30, no defense; pass by minimum 60
    a = scored(js, S.EXAM, portfolio=70, exam=50)   # 49 + 15 = 64
    b = scored(js, S.EXAM, portfolio=60, exam=55)   # 42 + 16.5 = 58.5
    _run(js, jiangsu_secretariat)
    assert RankingResult.objects.get(application=a).total == D("64.0000")
    assert RankingResult.objects.get(application=b).total == D("58.5000")
    ranking_services.results_publish(campaign=js, actor=jiangsu_secretariat)
    assert Application.objects.get(pk=a.pk).status == S.CERTIFIED
    assert Application.objects.get(pk=b.pk).status == S.NOT_CERTIFIED


def test_start_exam_moves_scored_portfolio_applications(seeded, scored, jiangsu_secretariat):
    js = seeded["jiangsu-junior-2024"]
    a = scored(js, S.PORTFOLIO_REVIEW, portfolio=70)
    b = scored(js, S.PORTFOLIO_REVIEW)
    with pytest.raises(ValidationError, match="1份申请缺少业绩成果评审得分"):
        ranking_services.campaign_start_exam(campaign=js, actor=jiangsu_secretariat)
    assert Application.objects.get(pk=a.pk).status == S.PORTFOLIO_REVIEW
    StageScore.objects.create(application=b, stage="portfolio", score=D("61"))
    assert ranking_services.campaign_start_exam(campaign=js, actor=jiangsu_secretariat) == 2
    assert set(Application.objects.filter(campaign=js).values_list("status", flat=True)) == {S.EXAM}
    assert AuditEntry.objects.for_object(a).filter(action="reviews.application.exam_started").exists()
    with pytest.raises(ValidationError, match="不设笔试"):
        ranking_services.campaign_start_exam(campaign=seeded["jilin-junior-2024"], actor=None)
