"""Stage moves past the portfolio review, the shortlist for the defense, the weighted total and the ranking.

Formulas (the pages show the same text, `SHORTLIST_FORMULA` and `TOTAL_FORMULA`):

* shortlist score  S = (wP × P + wE × E) / (wP + wE), P and E the portfolio and exam scores (0–100), wP and wE the
  campaign's weights: the two stages' weighted sum renormalised to 0–100. Notice 000 第五条 says "根据业绩成果评审
  和笔试二者总分从高到低按一定比例确定入围答辩人员名单"; renormalising does not change that order, it only puts a
  minimum score on the familiar 0–100 scale.
* total            T = (wP × P + wE × E + wD × D) / 100, the weights in per cent summing to 100.

A stage the applicant was absent from (缺考/缺席) counts 0. Every comparison uses exact integers
(`units` = Σ weight × score × 100), never floating-point sums, so equal totals are equal on SQLite and PostgreSQL.

Cut-off: by proportion p the quota is K = ⌈N × p / 100⌉ of the N who take part; by minimum score m everyone with a
score ≥ m passes. At the cut-off the campaign's tie rule decides (`Campaign.TieRule`): include everyone tied
with the K-th; or order the tied by the later stage's score (the exam for the shortlist, the defense – or the exam
without a defense – for the final decision); or by earlier submission. Those still tied after the rule are all
included. A minimum score needs no tie rule: equal scores fall on the same side.

Ranking runs as one set-based INSERT … SELECT with window functions (`RANK() OVER …`), the same SQL on SQLite and
PostgreSQL, inside one transaction with the round row locked; it can be re-run any number of times with the same
result until the results are published. After that it refuses to run and nothing published ever changes.
"""

import math
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from applicants.models import Application
from applicants.services import application_transition
from certification.models import Campaign
from certification.workflow import audit, transition

from .models import Stage, StageScore
from .ranking_models import RankingResult, RankingRound, RoundStatus, ShortlistEntry, ShortlistRound
from .ranking_signals import results_published

S = Application.Status
TieRule = Campaign.TieRule
CutoffMode = Campaign.CutoffMode

SHORTLIST_FORMULA = ("入围成绩 =（业绩成果评审权重 × 业绩成果评审得分 + 笔试权重 × 笔试得分）"
                     "÷（业绩成果评审权重 + 笔试权重），即两环节加权分折算为百分制")
TOTAL_FORMULA = ("加权总分 = Σ 环节权重(%) × 环节得分 ÷ 100 ="
                 "（业绩成果评审权重 × 业绩成果评审得分 + 笔试权重 × 笔试得分 + 答辩权重 × 答辩得分）÷ 100")
QUOTA_FORMULA = "按比例时名额 = ⌈参加人数 × 比例 ÷ 100⌉（向上取整）；缺考、缺席的环节按0分计"

SHORTLIST_TRANSITIONS = {
    RoundStatus.COMPUTING: {RoundStatus.COMPUTING, RoundStatus.COMPUTED, RoundStatus.FAILED},
    RoundStatus.COMPUTED: {RoundStatus.COMPUTING, RoundStatus.CONFIRMED},
    RoundStatus.FAILED: {RoundStatus.COMPUTING},
    RoundStatus.CONFIRMED: {RoundStatus.COMPUTING, RoundStatus.RELEASED},
    RoundStatus.RELEASED: set(),
}
R = RankingRound.Status
RANKING_TRANSITIONS = {
    R.COMPUTING: {R.COMPUTING, R.COMPUTED, R.FAILED},
    R.COMPUTED: {R.COMPUTING, R.PUBLISHED},
    R.FAILED: {R.COMPUTING},
    R.PUBLISHED: set(),
}


# --- rules of the campaign -------------------------------------------------------------------------------

def campaign_weight_errors(campaign: Campaign) -> list[str]:
    """What is wrong with a campaign's stage weights for scoring, in Chinese; empty when they are usable."""
    errors = []
    total = campaign.weight_portfolio + campaign.weight_exam + campaign.weight_defense
    if total != 100:
        errors.append(f"各环节权重之和必须为100（当前为{total}）。")
    if campaign.weight_exam and not campaign.has_exam:
        errors.append("该认证活动不设笔试，笔试权重必须为0。")
    if campaign.weight_defense and not campaign.has_defense:
        errors.append("该认证活动不设答辩，答辩权重必须为0。")
    return errors


def _cutoff_errors(mode: str, value, what: str) -> list[str]:
    if value is None:
        return [f"尚未设置{what}比例或分数线。"]
    if mode == CutoffMode.PROPORTION and not (Decimal(0) < value <= Decimal(100)):
        return [f"{what}比例必须大于0且不超过100。"]
    if mode == CutoffMode.MIN_SCORE and not (Decimal(0) <= value <= Decimal(100)):
        return [f"{what}分数线必须在0到100之间。"]
    return []


def final_pool_status(campaign: Campaign) -> str:
    """The status of the applications that take part in the pass decision."""
    if campaign.has_defense:
        return S.SHORTLISTED
    if campaign.has_exam:
        return S.EXAM
    return S.PORTFOLIO_REVIEW


def final_stages(campaign: Campaign) -> list[str]:
    return [Stage.PORTFOLIO] + ([Stage.EXAM] if campaign.has_exam else []) + \
        ([Stage.DEFENSE] if campaign.has_defense else [])


def quota_for(pool_size: int, proportion: Decimal) -> int:
    """K = ⌈N × p / 100⌉, computed exactly."""
    return math.ceil(Decimal(pool_size) * Decimal(proportion) / 100)


def _unscored(applications, stage: str):
    """Applications without a final score (nor marked absent) in `stage`."""
    done = StageScore.objects.filter(application=OuterRef("pk"), stage=stage).filter(
        Q(score__isnull=False) | Q(absent=True))
    return applications.exclude(Exists(done))


def _require_scores(applications, stages, what: str):
    missing = []
    for stage in stages:
        n = _unscored(applications, stage).count()
        if n:
            missing.append(f"{n}份申请缺少{Stage(stage).label}得分")
    if missing:
        raise ValidationError(f"{what}：" + "；".join(missing) + "。", code="scores_missing")


# --- stage move: portfolio review → exam ----------------------------------------------------------------

def campaign_start_exam(*, campaign: Campaign, actor) -> int:
    """Move every application of the campaign whose portfolio score is final from portfolio review to the exam."""
    if not campaign.has_exam:
        raise ValidationError("该认证活动不设笔试。")
    applications = Application.objects.filter(campaign=campaign, status=S.PORTFOLIO_REVIEW)
    _require_scores(applications, [Stage.PORTFOLIO], "还不能进入笔试环节")
    moved = 0
    with transaction.atomic():
        for application in applications.order_by("pk"):
            application_transition(application=application, to=S.EXAM, actor=actor,
                                   action="reviews.application.exam_started",
                                   reason="业绩成果评审已完成，进入笔试环节，笔试安排请见考试中心。")
            moved += 1
    return moved


# --- shared SQL -----------------------------------------------------------------------------------------

def _score_columns(stages: list[str]) -> tuple[str, dict[str, str]]:
    """LEFT JOINs of the stage score table, one alias per stage, and each stage's exact-units expression."""
    table = StageScore._meta.db_table
    joins, units = [], {}
    for stage in stages:
        alias = f"s_{stage}"
        joins.append(f"LEFT JOIN {table} {alias} ON {alias}.application_id = a.id AND {alias}.stage = '{stage}'")
        units[stage] = f"CAST(ROUND(COALESCE({alias}.score, 0) * 100) AS INTEGER)"
    return " ".join(joins), units


def _tiebreak(rule: str, later_stage: str | None, units: dict[str, str]) -> tuple[str, str]:
    """(extra column of the inner select, ORDER BY tail of the decision rank) for the tie rule."""
    if rule == TieRule.HIGHER_LATER_STAGE and later_stage:
        return f"{units[later_stage]} AS tie_key", ", tie_key DESC"
    if rule == TieRule.EARLIER_SUBMISSION:
        return ("CASE WHEN a.submitted_at IS NULL THEN 1 ELSE 0 END AS tie_key, a.submitted_at AS tie_at",
                ", tie_key ASC, tie_at ASC")
    return "0 AS tie_key", ""


# --- a round's request, shared by the shortlist and the ranking ----------------------------------------

def _round_request(*, campaign: Campaign, actor, errors: list[str], model, computing: str, frozen: str,
                   frozen_message: str, allowed: dict, action: str, task: str, params: dict,
                   cleared: tuple[str, ...] = ()):
    """Queue the computation of the campaign's one round of `model` (again), under the campaign's lock.

    Refused with the rules' `errors`, or once the round is `frozen`. A first request creates the round with the
    campaign's rules (`params`); a later one moves it back to `computing` with the current rules, clearing the
    last failure and the `cleared` fields. The job (`ranking_tasks.<task>`) is queued after commit."""
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        rnd = model.objects.filter(campaign=campaign).first()
        if rnd and rnd.status == frozen:
            raise ValidationError(frozen_message, code="frozen")
        if rnd is None:
            rnd = model(campaign=campaign, status=computing, **params)
            rnd.full_clean()
            rnd.save()
            audit(subject=rnd, action=action, actor=actor, to_state=rnd.status)
        else:
            def apply(r):
                for k, v in params.items():
                    setattr(r, k, v)
                r.failure_message = ""
                for name in cleared:
                    setattr(r, name, None)

            rnd = transition(instance=rnd, to=computing, actor=actor, allowed=allowed, action=action, apply=apply)
        from . import ranking_tasks

        job, round_id = getattr(ranking_tasks, task), rnd.pk
        transaction.on_commit(lambda: job.delay(round_id))
    return rnd


# --- shortlist ------------------------------------------------------------------------------------------

def shortlist_errors(campaign: Campaign) -> list[str]:
    errors = campaign_weight_errors(campaign)
    if not (campaign.has_exam and campaign.has_defense):
        errors.append("只有设笔试和答辩的认证活动需要确定入围答辩名单。")
    if campaign.weight_portfolio + campaign.weight_exam == 0:
        errors.append("业绩成果评审与笔试的权重不能都为0。")
    errors += _cutoff_errors(campaign.shortlist_mode, campaign.shortlist_value, "入围")
    return errors


def shortlist_request(*, campaign: Campaign, actor) -> ShortlistRound:
    """Queue the shortlist computation (again). Refused once the shortlist has been released; a re-run drops
    the secretariat's confirmation (the list may change)."""
    return _round_request(
        campaign=campaign, actor=actor, errors=shortlist_errors(campaign), model=ShortlistRound,
        computing=RoundStatus.COMPUTING, frozen=RoundStatus.RELEASED,
        frozen_message="入围答辩名单已公布，不能重新计算。", allowed=SHORTLIST_TRANSITIONS,
        action="reviews.shortlist.computing", task="compute_shortlist", cleared=("confirmed_by", "confirmed_at"),
        params=dict(mode=campaign.shortlist_mode, value=campaign.shortlist_value, tie_rule=campaign.tie_rule,
                    weight_portfolio=campaign.weight_portfolio, weight_exam=campaign.weight_exam))


def shortlist_compute(*, round_id: int) -> ShortlistRound:
    """The job: rank the campaign's exam-stage applications by the shortlist score and mark who is shortlisted."""
    try:
        with transaction.atomic():
            rnd = ShortlistRound.objects.select_for_update().select_related("campaign").get(pk=round_id)
            if rnd.status != RoundStatus.COMPUTING:
                return rnd  # already done (a repeated message) or frozen
            pool = Application.objects.filter(campaign_id=rnd.campaign_id, status=S.EXAM)
            _require_scores(pool, [Stage.PORTFOLIO, Stage.EXAM], "不能计算入围答辩名单")
            pool_size = pool.count()
            if not pool_size:
                raise ValidationError("没有处于笔试阶段的申请，无法确定入围答辩名单。")
            wp, we = int(rnd.weight_portfolio), int(rnd.weight_exam)
            quota = quota_for(pool_size, rnd.value) if rnd.mode == CutoffMode.PROPORTION else None
            if quota is not None:
                selected = "r.drnk <= %s"
                cut = quota
            else:
                selected = "r.units >= %s"
                cut = int(rnd.value * 100) * (wp + we)
            joins, units = _score_columns([Stage.PORTFOLIO, Stage.EXAM])
            tie_col, tie_order = _tiebreak(rnd.tie_rule, Stage.EXAM, units)
            ShortlistEntry.objects.filter(round=rnd).delete()
            sql = f"""
                INSERT INTO {ShortlistEntry._meta.db_table}
                    (round_id, application_id, portfolio, exam, portfolio_absent, exam_absent, units, combined,
                     rank, decision_rank, selected)
                SELECT %s, r.application_id, r.p, r.e, r.pa, r.ea, r.units, r.units / {100.0 * (wp + we)!r},
                       r.rnk, r.drnk, CASE WHEN {selected} THEN TRUE ELSE FALSE END
                FROM (
                    SELECT t.*, RANK() OVER (ORDER BY t.units DESC) AS rnk,
                           RANK() OVER (ORDER BY t.units DESC{tie_order}) AS drnk
                    FROM (
                        SELECT a.id AS application_id, s_portfolio.score AS p, s_exam.score AS e,
                               COALESCE(s_portfolio.absent, FALSE) AS pa, COALESCE(s_exam.absent, FALSE) AS ea,
                               {units[Stage.PORTFOLIO]} * {wp} + {units[Stage.EXAM]} * {we} AS units, {tie_col}
                        FROM {Application._meta.db_table} a {joins}
                        WHERE a.campaign_id = %s AND a.status = %s
                    ) t
                ) r
            """
            with connection.cursor() as cursor:
                cursor.execute(sql, [rnd.pk, cut, rnd.campaign_id, S.EXAM])

            def apply(r):
                r.pool_size = pool_size
                r.quota = quota
                r.selected_count = ShortlistEntry.objects.filter(round=r, selected=True).count()
                r.computed_at = timezone.now()

            return transition(instance=rnd, to=RoundStatus.COMPUTED, actor=None, allowed=SHORTLIST_TRANSITIONS,
                              action="reviews.shortlist.computed", apply=apply)
    except ValidationError as exc:
        message = "；".join(exc.messages)

        def fail(r):
            r.failure_message = message

        rnd = ShortlistRound.objects.get(pk=round_id)
        if rnd.status == RoundStatus.COMPUTING:
            rnd = transition(instance=rnd, to=RoundStatus.FAILED, actor=None, allowed=SHORTLIST_TRANSITIONS,
                             action="reviews.shortlist.failed", apply=fail, reason=message)
        return rnd


def _scores_changed_since(campaign: Campaign, when) -> bool:
    return StageScore.objects.filter(application__campaign=campaign, updated_at__gt=when).exists()


def shortlist_confirm(*, campaign: Campaign, actor) -> ShortlistRound:
    rnd = ShortlistRound.objects.filter(campaign=campaign).first()
    if rnd is None or rnd.status != RoundStatus.COMPUTED:
        raise ValidationError("入围答辩名单尚未计算完成，不能确认。")
    if _scores_changed_since(campaign, rnd.computed_at):
        raise ValidationError("计算之后又有环节得分变动，请重新计算入围答辩名单后再确认。", code="stale")

    def apply(r):
        r.confirmed_by, r.confirmed_at = actor, timezone.now()

    return transition(instance=rnd, to=RoundStatus.CONFIRMED, actor=actor, allowed=SHORTLIST_TRANSITIONS,
                      action="reviews.shortlist.confirmed", apply=apply)


def shortlist_release(*, campaign: Campaign, actor) -> ShortlistRound:
    """Move every ranked application to shortlisted / not shortlisted and tell each applicant. All or nothing."""
    with transaction.atomic():
        rnd = ShortlistRound.objects.select_for_update().filter(campaign=campaign).first()
        if rnd is None or rnd.status != RoundStatus.CONFIRMED:
            raise ValidationError("入围答辩名单须先经秘书处确认才能公布。")
        if _scores_changed_since(campaign, rnd.computed_at):
            raise ValidationError("计算之后又有环节得分变动，请重新计算入围答辩名单。", code="stale")
        entries = ShortlistEntry.objects.filter(round=rnd).select_related("application").order_by("rank", "pk")
        for entry in entries:
            score = f"入围成绩{entry.combined.quantize(Decimal('0.01'))}分，排名第{entry.rank}名"
            if entry.selected:
                application_transition(application=entry.application, to=S.SHORTLISTED, actor=actor,
                                       action="reviews.application.shortlisted",
                                       reason=f"{score}，入围答辩。答辩时间和视频会议链接将另行通知。")
            else:
                application_transition(application=entry.application, to=S.NOT_SHORTLISTED, actor=actor,
                                       action="reviews.application.not_shortlisted", reason=f"{score}，未入围答辩。")

        def apply(r):
            r.released_by, r.released_at = actor, timezone.now()

        return transition(instance=rnd, to=RoundStatus.RELEASED, actor=actor, allowed=SHORTLIST_TRANSITIONS,
                          action="reviews.shortlist.released", apply=apply)


# --- final ranking --------------------------------------------------------------------------------------

def ranking_errors(campaign: Campaign) -> list[str]:
    errors = campaign_weight_errors(campaign)
    errors += _cutoff_errors(campaign.pass_mode, campaign.pass_value, "认证通过")
    return errors


def ranking_request(*, campaign: Campaign, actor) -> RankingRound:
    """Queue the ranking job (again). After publication it is refused: a published result never changes."""
    return _round_request(
        campaign=campaign, actor=actor, errors=ranking_errors(campaign), model=RankingRound,
        computing=R.COMPUTING, frozen=R.PUBLISHED, frozen_message="认证结果已公布，排名已冻结，不能重新计算。",
        allowed=RANKING_TRANSITIONS, action="reviews.ranking.computing", task="compute_ranking",
        params=dict(mode=campaign.pass_mode, value=campaign.pass_value, tie_rule=campaign.tie_rule,
                    weight_portfolio=campaign.weight_portfolio, weight_exam=campaign.weight_exam,
                    weight_defense=campaign.weight_defense, pool_status=final_pool_status(campaign)))


def ranking_sql(rnd: RankingRound, *, stages: list[str]) -> tuple[str, list]:
    """The one INSERT … SELECT that computes every total, rank and decision of the campaign."""
    wp, we, wd = int(rnd.weight_portfolio), int(rnd.weight_exam), int(rnd.weight_defense)
    all_stages = [Stage.PORTFOLIO, Stage.EXAM, Stage.DEFENSE]
    joins, units = _score_columns([s for s in all_stages if s in stages])
    weight = {Stage.PORTFOLIO: wp, Stage.EXAM: we, Stage.DEFENSE: wd}
    # units: score × 100 (an integer) × weight in per cent, so total = units / 10000 exactly.
    total_units = " + ".join(f"{units[s]} * {weight[s]}" for s in units)
    later = Stage.DEFENSE if Stage.DEFENSE in stages else (Stage.EXAM if Stage.EXAM in stages else None)
    tie_col, tie_order = _tiebreak(rnd.tie_rule, later, units)
    columns = []
    for s in all_stages:
        if s in units:
            columns.append(f"s_{s}.score AS {s[0]}, COALESCE(s_{s}.absent, FALSE) AS {s[0]}a")
        else:
            columns.append(f"CAST(NULL AS NUMERIC) AS {s[0]}, FALSE AS {s[0]}a")
    if rnd.mode == CutoffMode.PROPORTION:
        passed, cut = "r.in_pool AND r.drnk <= %s", quota_for(rnd.pool_size, rnd.value)
    else:
        passed, cut = "r.in_pool AND r.units >= %s", int(rnd.value * 100) * 100
    # Those who did not make the shortlist are ranked too (their defense counts 0) but take no part in the decision.
    statuses = [rnd.pool_status] + ([S.NOT_SHORTLISTED] if rnd.pool_status == S.SHORTLISTED else [])
    in_list = ", ".join(["%s"] * len(statuses))
    sql = f"""
        INSERT INTO {RankingResult._meta.db_table}
            (campaign_id, application_id, in_pool, portfolio, exam, defense, portfolio_absent, exam_absent,
             defense_absent, units, total, rank, decision_rank, passed)
        SELECT %s, r.application_id, r.in_pool, r.p, r.e, r.d, r.pa, r.ea, r.da, r.units, r.units / 10000.0,
               r.rnk, r.drnk, CASE WHEN {passed} THEN TRUE ELSE FALSE END
        FROM (
            SELECT t.*, RANK() OVER (ORDER BY t.units DESC) AS rnk,
                   RANK() OVER (PARTITION BY t.in_pool ORDER BY t.units DESC{tie_order}) AS drnk
            FROM (
                SELECT a.id AS application_id, (a.status = %s) AS in_pool, {", ".join(columns)},
                       {total_units} AS units, {tie_col}
                FROM {Application._meta.db_table} a {joins}
                WHERE a.campaign_id = %s AND a.status IN ({in_list})
            ) t
        ) r
    """
    return sql, [rnd.campaign_id, cut, rnd.pool_status, rnd.campaign_id, *statuses]


def ranking_compute(*, round_id: int) -> RankingRound:
    """The job: totals, ranks and pass decisions of the whole campaign, set-based. Idempotent; frozen once
    published."""
    try:
        with transaction.atomic():
            rnd = RankingRound.objects.select_for_update().select_related("campaign").get(pk=round_id)
            if rnd.status != R.COMPUTING:
                return rnd  # a repeated message, or published: never touch published rows
            campaign = rnd.campaign
            stages = final_stages(campaign)
            pool = Application.objects.filter(campaign=campaign, status=rnd.pool_status)
            _require_scores(pool, stages, "不能计算成绩排名")
            pool_size = pool.count()
            if not pool_size:
                raise ValidationError(f"没有处于“{S(rnd.pool_status).label}”状态的申请，无法排名。")
            rnd.pool_size = pool_size
            RankingResult.objects.filter(campaign=campaign).delete()
            sql, params = ranking_sql(rnd, stages=stages)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

            def apply(r):
                r.pool_size = pool_size
                r.quota = quota_for(pool_size, r.value) if r.mode == CutoffMode.PROPORTION else None
                counts = RankingResult.objects.filter(campaign=campaign)
                r.ranked_count = counts.count()
                r.passed_count = counts.filter(passed=True).count()
                r.computed_at = timezone.now()
                r.runs += 1

            return transition(instance=rnd, to=R.COMPUTED, actor=None, allowed=RANKING_TRANSITIONS,
                              action="reviews.ranking.computed", apply=apply)
    except ValidationError as exc:
        message = "；".join(exc.messages)

        def fail(r):
            r.failure_message = message

        rnd = RankingRound.objects.get(pk=round_id)
        if rnd.status == R.COMPUTING:
            rnd = transition(instance=rnd, to=R.FAILED, actor=None, allowed=RANKING_TRANSITIONS,
                             action="reviews.ranking.failed", apply=fail, reason=message)
        return rnd


def results_publish(*, campaign: Campaign, actor) -> RankingRound:
    """Publish the computed results: each deciding application becomes certified or not certified, each
    applicant is told, and the ranking is frozen. All or nothing."""
    with transaction.atomic():
        rnd = RankingRound.objects.select_for_update().filter(campaign=campaign).first()
        if rnd is None or rnd.status != R.COMPUTED:
            raise ValidationError("成绩排名尚未计算完成，不能公布认证结果。")
        if _scores_changed_since(campaign, rnd.computed_at):
            raise ValidationError("计算之后又有环节得分变动，请重新计算成绩排名后再公布。", code="stale")
        results = RankingResult.objects.filter(campaign=campaign, in_pool=True).select_related("application")
        for result in results.order_by("rank", "pk"):
            line = f"加权总分{result.total.quantize(Decimal('0.01'))}分，排名第{result.rank}名"
            if result.passed:
                application_transition(application=result.application, to=S.CERTIFIED, actor=actor,
                                       action="reviews.application.certified",
                                       reason=f"{line}，认证通过，待公示。")
            else:
                application_transition(application=result.application, to=S.NOT_CERTIFIED, actor=actor,
                                       action="reviews.application.not_certified", reason=f"{line}，未通过认证。")

        def apply(r):
            r.published_by, r.published_at = actor, timezone.now()

        rnd = transition(instance=rnd, to=R.PUBLISHED, actor=actor, allowed=RANKING_TRANSITIONS,
                         action="reviews.ranking.published", apply=apply)
        results_published.send(sender=Campaign, campaign=campaign, actor=actor)
    return rnd
