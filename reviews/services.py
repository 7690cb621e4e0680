"""Writes for review. Applications move only through `applicants.services.application_transition`."""

import datetime as dt
import statistics
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from applicants.models import Application, DossierEntry
from applicants.services import application_transition, entry_window_flags
from certification import predicates
from certification.models import Campaign, Role, User, normalize_unit_name
from certification.notifications import notify_user
from certification.workflow import audit, transition

from . import assignment as solver
from .models import (
    Assignment,
    AssignmentJob,
    EligibilityDecision,
    Expert,
    ExpertConflict,
    Review,
    ReviewScore,
    ReviewScoreCategory,
    ReviewSettings,
    Stage,
    StageScore,
)

S = Application.Status


# --- eligibility review: the one amendment ----------------------------------------------------------

def eligibility_return_open(application: Application) -> bool:
    """Whether the secretariat may still return the dossier: under review and the one chance unused."""
    return application.status == S.UNDER_REVIEW and not application.amendment_used


def eligibility_return(*, application: Application, actor, reason: str, deadline: dt.datetime) -> Application:
    """The secretariat returns the dossier once, with reasons and a deadline [000 第五条 1]."""
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回修改的原因。"})
    _require_secretariat_of(actor, application)
    if application.amendment_used:
        raise ValidationError("每位申报者仅有一次修改申报材料的机会，已使用过。", code="amendment_used")
    if _has_pending_decision(application):
        raise ValidationError("该申报书已有待发布的审查决定，请先撤销该决定再退回修改。", code="decision_pending")
    if deadline <= timezone.now():
        raise ValidationError({"deadline": "修改截止时间必须晚于现在。"})

    def apply(app):
        app.amendment_deadline = deadline
        app.return_reason = reason.strip()

    return application_transition(application=application, to=S.RETURNED, actor=actor,
                                  action="reviews.eligibility.returned", reason=reason.strip(), apply=apply,
                                  template="application_returned")


def eligibility_expire_overdue_amendments(*, now: dt.datetime | None = None) -> int:
    """Returned dossiers not resubmitted by their deadline fail eligibility review. Idempotent."""
    now = now or timezone.now()
    count = 0
    overdue = Application.objects.filter(status=S.RETURNED, amendment_deadline__lt=now).values_list("pk", flat=True)
    for pk in list(overdue):
        application = Application.objects.get(pk=pk)
        try:
            application_transition(application=application, to=S.INELIGIBLE, actor=None,
                                   action="reviews.eligibility.expired",
                                   reason="修改期限已过，逾期未修正视为资格审查不合格。")
        except ValidationError:
            continue  # resubmitted meanwhile
        count += 1
    return count


def _require_secretariat_of(actor, application: Application) -> None:
    """A decision on another authority's application is refused, whatever the page showed."""
    if actor is None or not predicates.is_secretariat_of_campaign(actor, application.campaign):
        raise ValidationError(f"申报书 {application.number or application.pk} 不属于您所在认证机构的认证活动，"
                              "无权审查。", code="not_your_application")


def _has_pending_decision(application: Application) -> bool:
    return EligibilityDecision.objects.filter(application=application, status=EligibilityDecision.Status.PENDING
                                              ).exists()


# --- eligibility review: engine verdict and flags ---------------------------------------------------------

def _criterion_dict(c) -> dict:
    return {"code": c.code, "clause": c.clause, "outcome": c.outcome, "explanation": c.message_zh, "text": c.text,
            "kind": c.kind}


def eligibility_recompute(*, application: Application) -> dict:
    """The engine's verdict per criterion now, from the applicant's current profile and the dossier, in the
    shape the application stores at submission (`Application.eligibility_result`)."""
    from applicants.eligibility import self_check
    from applicants.selectors import profile_for

    result = self_check(profile=profile_for(user=application.applicant), campaign=application.campaign,
                        entries=list(application.entries.all()))
    return {"computed_at": timezone.localtime().isoformat(), "track": application.track,
            "outcome": result.outcome, "criteria": [_criterion_dict(c) for c in result.criteria],
            "exceptional": [_criterion_dict(c) for c in result.exceptional_results], "recomputed": True}


def eligibility_verdict(*, application: Application, recompute: bool = False) -> dict:
    """What the applicant saw at submission (stored), or a fresh computation when asked or none is stored."""
    stored = getattr(application, "eligibility_result", None)
    if stored and not recompute:
        return stored
    return eligibility_recompute(application=application)


def eligibility_clauses(campaign: Campaign) -> list[tuple[str, str]]:
    """(code, "clause · text") of the campaign's rule set, for the reason of a 不通过."""
    rules_ = campaign.eligibility_rules or {}
    out = []
    for rule in [*rules_.get("criteria", []), *rules_.get("exceptional", [])]:
        if rule.get("code"):
            out.append((rule["code"], f"{rule.get('clause', '')} {rule.get('text', '')}".strip()[:200]))
    return out


def eligibility_flags(*, application: Application, entries=None) -> list[dict]:
    """What a reviewer should look at: entry dates outside the window, the same evidence file (by content)
    in another applicant's dossier, the same ID number applying in another province the same year."""
    entries = list(application.entries.all()) if entries is None else entries
    flags = []
    window = entry_window_flags(application=application, entries=entries)
    for e in entries:
        if e.pk in window:
            flags.append({"kind": "window", "entry": e.pk, "text": f"{e.item_code} 条目（{e.occurred_on:%Y-%m-%d}）"
                                                                   f"{window[e.pk]}"})
    hashes = {e.content_sha256: e for e in entries if e.content_sha256}
    if hashes:
        dupes = (DossierEntry.objects.filter(content_sha256__in=list(hashes))
                 .exclude(application__applicant_id=application.applicant_id)
                 .exclude(application__status__in=[S.DRAFT, S.WITHDRAWN])
                 .select_related("application").order_by("application__number"))
        for d in dupes:
            mine = hashes[d.content_sha256]
            flags.append({"kind": "same_file", "entry": mine.pk,
                          "text": f"{mine.item_code} 条目的附件与申报书 {d.application.number or d.application_id} "
                                  f"（{d.item_code}）中的附件内容完全相同"})
    id_number = (application.profile_snapshot or {}).get("id_number")
    if id_number:
        mine_province = (application.profile_snapshot or {}).get("province", "")
        others = (Application.objects.filter(year=application.year, profile_snapshot__id_number=id_number)
                  .exclude(pk=application.pk).exclude(status=S.WITHDRAWN)
                  .select_related("campaign", "campaign__province"))
        for o in others:
            province = o.campaign.province.name if o.campaign.province_id else (o.profile_snapshot or {}).get(
                "province", "")
            own = application.campaign.province.name if application.campaign.province_id else mine_province
            if province != own:
                flags.append({"kind": "same_id", "entry": None,
                              "text": f"同一身份证号码本年度还在{province or '其他省份'}申报（{o.campaign.title}，"
                                      f"申报编号 {o.number or o.pk}）"})
    return flags


# --- eligibility review: decisions, kept pending and released together -----------------------------------

ELIGIBILITY_DECISION_TRANSITIONS = {
    EligibilityDecision.Status.PENDING: {EligibilityDecision.Status.RELEASED},
    EligibilityDecision.Status.RELEASED: set(),
}


def eligibility_decide(*, applications, actor, outcome: str, reason: str = "", clause_code: str = "") -> list:
    """Record 通过 / 不通过 for one application or a selection, pending until released. All or nothing."""
    if outcome not in EligibilityDecision.Outcome.values:
        raise ValidationError("请选择审查结论。")
    reason = (reason or "").strip()
    applications = list(applications)
    if not applications:
        raise ValidationError("请至少选择一份申报书。")
    decisions = []
    with transaction.atomic():
        for application in applications:
            _require_secretariat_of(actor, application)
            clause = ""
            if outcome == EligibilityDecision.Outcome.FAIL:
                if not reason:
                    raise ValidationError({"reason": "资格审查不通过须填写原因。"})
                clause = dict(eligibility_clauses(application.campaign)).get(clause_code)
                if not clause:
                    raise ValidationError({"clause_code": "请从本认证活动的报名条件中选择不通过所依据的条款。"})
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.status != S.UNDER_REVIEW:
                raise ValidationError(f"申报书 {locked.number} 当前状态为“{locked.get_status_display()}”，"
                                      "只有资格审查中的申报书可以作出审查决定。", code="not_under_review")
            decision = EligibilityDecision.objects.filter(application=locked).first()
            if decision and decision.status == EligibilityDecision.Status.RELEASED:
                raise ValidationError(f"申报书 {locked.number} 的审查决定已发布，不能更改。", code="released")
            decision = decision or EligibilityDecision(application=locked)
            decision.outcome, decision.decided_by, decision.decided_at = outcome, actor, timezone.now()
            decision.reason = reason if outcome == EligibilityDecision.Outcome.FAIL else ""
            decision.clause_code = clause_code if outcome == EligibilityDecision.Outcome.FAIL else ""
            decision.clause = clause
            decision.full_clean()
            decision.save()
            # On the decision, not the application: the applicant's timeline learns of it only on release.
            audit(subject=decision, action="reviews.eligibility.decided", actor=actor,
                  reason=f"{decision.get_outcome_display()}（待发布）" + (f"：{reason}" if reason else ""))
            decisions.append(decision)
    return decisions


def eligibility_decision_withdraw(*, application: Application, actor) -> None:
    _require_secretariat_of(actor, application)
    with transaction.atomic():
        decision = EligibilityDecision.objects.select_for_update().filter(
            application=application, status=EligibilityDecision.Status.PENDING).first()
        if decision is None:
            raise ValidationError("没有待发布的审查决定可以撤销。")
        audit(subject=decision, action="reviews.eligibility.decision_withdrawn", actor=actor)
        decision.delete()


def eligibility_release(*, actor, campaign: Campaign | None = None) -> dict:
    """Release the pending decisions of the actor's authority (or one campaign): each application moves and
    its applicant is notified. An exceptional-track pass goes on to certified (it skips the scored stages and
    waits for the public notice). One application's failure (withdrawn meanwhile) does not stop the others."""
    pending = (EligibilityDecision.objects.filter(status=EligibilityDecision.Status.PENDING,
                                                  application__campaign__authority_id=actor.authority_id)
               .select_related("application", "application__campaign", "application__applicant"))
    if campaign is not None:
        pending = pending.filter(application__campaign=campaign)
    done = {"released": 0, "skipped": []}
    for decision in list(pending):
        application = decision.application
        try:
            with transaction.atomic():
                _require_secretariat_of(actor, application)
                if decision.outcome == EligibilityDecision.Outcome.PASS:
                    application_transition(application=application, to=S.ELIGIBLE, actor=actor,
                                           action="reviews.eligibility.approved")
                    if application.track == Application.Track.EXCEPTIONAL:
                        application_transition(
                            application=application, to=S.CERTIFIED, actor=actor,
                            action="reviews.eligibility.exceptional_certified",
                            reason="破格认证：资格审查通过后不参加评分环节，待公示。", template=None)
                else:
                    application_transition(application=application, to=S.INELIGIBLE, actor=actor,
                                           action="reviews.eligibility.rejected",
                                           reason=f"{decision.reason}（依据：{decision.clause}）")

                def released(d):
                    d.released_at = timezone.now()

                transition(instance=decision, to=EligibilityDecision.Status.RELEASED, actor=actor,
                           allowed=ELIGIBILITY_DECISION_TRANSITIONS, action="reviews.eligibility.released",
                           apply=released)
        except ValidationError as exc:
            done["skipped"].append((application.number, "；".join(exc.messages)))
            continue
        done["released"] += 1
    return done


# --- portfolio review: settings, aspects, experts --------------------------------------------------------

def review_settings_get(*, campaign: Campaign) -> ReviewSettings:
    settings_, _ = ReviewSettings.objects.get_or_create(campaign=campaign)
    return settings_


def review_settings_save(*, review_settings: ReviewSettings, actor) -> ReviewSettings:
    review_settings.full_clean()
    review_settings.save()
    audit(subject=review_settings.campaign, action="reviews.settings.saved", actor=actor)
    return review_settings


def score_categories_sync(*, campaign: Campaign) -> list[ReviewScoreCategory]:
    """The campaign's aspects as rows. Aspects with scores already given keep their maximum."""
    aspects = campaign.portfolio_aspects or []
    if not aspects:
        raise ValidationError("该认证活动未设置业绩成果评审方面（portfolio_aspects），不能开始评审。")
    out = []
    for position, aspect in enumerate(aspects):
        category, created = ReviewScoreCategory.objects.get_or_create(
            campaign=campaign, code=aspect["code"],
            defaults={"name": aspect["name"], "max_score": Decimal(str(aspect["max"])), "position": position})
        if not created and not ReviewScore.objects.filter(category=category).exists():
            category.name, category.max_score, category.position = aspect["name"], Decimal(str(aspect["max"])), \
                position
            category.save()
        out.append(category)
    return out


def expert_create(*, authority, actor, email: str, full_name: str, unit: str, province=None, city: str = "",
                  specialties=(), max_per_campaign: int = 30, conflict_units=(), password: str | None = None
                  ) -> Expert:
    """Add an expert by hand: a user account of role EXPERT (a new one signs in via 忘记密码) and the profile."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, role=Role.EXPERT, full_name=full_name,
                                            email_verified=True)
        elif user.role != Role.EXPERT:
            raise ValidationError({"email": "该邮箱已用于其他角色的账号，不能登记为评审专家。"})
        if Expert.objects.filter(user=user).exists():
            raise ValidationError({"email": "该专家已在专家库中。"})
        expert = Expert(user=user, authority=authority, full_name=full_name.strip(), unit=unit.strip(),
                        province=province, city=city.strip(), specialties=[s for s in specialties if s],
                        max_per_campaign=max_per_campaign, conflict_units=[u for u in conflict_units if u])
        expert.full_clean()
        expert.save()
        audit(subject=expert, action="reviews.expert.created", actor=actor)
    return expert


def experts_import(*, data: bytes, file_name: str, actor, authority):
    """Import experts from XLSX (or CSV) with django-import-export. Good rows import; each bad row is rolled
    back alone and reported as (row number, column, messages), counting data rows from 1."""
    import tablib

    from .resources import ExpertResource

    if not file_name.lower().endswith((".xlsx", ".csv")):
        raise ValidationError(f"文件“{file_name}”不是XLSX或CSV文件。")
    try:
        dataset = tablib.Dataset().load(data if file_name.lower().endswith(".xlsx") else data.decode("utf-8-sig"),
                                        format="xlsx" if file_name.lower().endswith(".xlsx") else "csv")
    except Exception as exc:  # noqa: BLE001 — tablib raises many types on a malformed file
        raise ValidationError(f"无法读取文件“{file_name}”。") from exc
    resource = ExpertResource(authority=authority, actor=actor)
    result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    errors = []
    for invalid in result.invalid_rows:
        for column, messages_ in invalid.error_dict.items():
            field = resource.fields.get(column)
            errors.append((invalid.number, field.column_name if field else column, [str(m) for m in messages_]))
    for number, row_errors in result.row_errors():
        for err in row_errors:
            errors.append((number, "", [str(err.error)]))
    return result, sorted(errors, key=lambda e: e[0])


# --- assignment --------------------------------------------------------------------------------------------

LOAD_STATUSES = (Assignment.Status.ACTIVE, Assignment.Status.SUBMITTED)


def _employer(application: Application) -> str:
    snap = application.profile_snapshot or {}
    if snap.get("employer"):
        return snap["employer"]
    profile = getattr(application.applicant, "applicant_profile", None)
    return profile.employer if profile else ""


def _conflicts(expert: Expert, application: Application, *, declared: set, unit_key: str | None = None) -> str:
    """Why `expert` may not review `application`, or ""."""
    unit_key = normalize_unit_name(_employer(application)) if unit_key is None else unit_key
    if expert.user_id == application.applicant_id:
        return "专家本人即申请人"
    if unit_key and normalize_unit_name(expert.unit) == unit_key:
        return "专家与申请人同一单位"
    if unit_key and unit_key in {normalize_unit_name(u) for u in expert.conflict_units or []}:
        return "专家声明回避申请人所在单位"
    if (expert.pk, application.pk) in declared:
        return "专家已声明与该申请存在利益冲突"
    return ""


def _loads(campaign: Campaign) -> dict[int, int]:
    rows = (Assignment.objects.filter(campaign=campaign, status__in=LOAD_STATUSES)
            .values("expert_id").annotate(n=Count("pk")))
    return {r["expert_id"]: r["n"] for r in rows}


def _pool(campaign: Campaign) -> list[Expert]:
    return list(Expert.objects.filter(authority_id=campaign.authority_id, active=True).order_by("pk"))


def _matches(expert: Expert, wanted: set) -> bool:
    return not wanted or bool(wanted & set(expert.specialties or []))


def assignment_candidates(*, campaign: Campaign) -> QuerySet[Application]:
    """Regular-track dossiers of the campaign that passed eligibility and have no portfolio score yet."""
    return (Application.objects.filter(campaign=campaign, track=Application.Track.REGULAR,
                                       status__in=[S.ELIGIBLE, S.PORTFOLIO_REVIEW])
            .exclude(stage_scores__stage=Stage.PORTFOLIO)
            .select_related("applicant__applicant_profile").order_by("number", "pk"))


ASSIGNMENT_JOB_TRANSITIONS = {
    AssignmentJob.Status.QUEUED: {AssignmentJob.Status.RUNNING, AssignmentJob.Status.FAILED},
    AssignmentJob.Status.RUNNING: {AssignmentJob.Status.RUNNING, AssignmentJob.Status.DONE,
                                   AssignmentJob.Status.FAILED},
    AssignmentJob.Status.DONE: set(),
    AssignmentJob.Status.FAILED: set(),
}


def assignment_job_create(*, campaign: Campaign, actor) -> AssignmentJob:
    if actor is not None and not predicates.is_secretariat_of_campaign(actor, campaign):
        raise ValidationError("只能为本认证机构的认证活动分配专家。")
    score_categories_sync(campaign=campaign)
    with transaction.atomic():
        job = AssignmentJob.objects.create(campaign=campaign, created_by=actor)
        audit(subject=job, action="reviews.assignment.job_queued", actor=actor, to_state=job.status)
        from .tasks import run_assignment_job

        transaction.on_commit(lambda: run_assignment_job.delay(job.pk))
    return job


def _progress(job, percent):
    AssignmentJob.objects.filter(pk=job.pk).update(progress=percent)


def assignment_run(*, campaign: Campaign, actor=None, job: AssignmentJob | None = None,
                   start_portfolio: bool = True) -> dict:
    """Staff every unscored dossier up to N experts. Re-running only fills what is missing.

    The assignments are written in one transaction (experts see their queue at once); then, with
    `start_portfolio`, the dossiers that got experts enter 业绩成果评审 one by one (`portfolio_start`)."""
    review_settings = review_settings_get(campaign=campaign)
    need_n = review_settings.experts_per_dossier
    wanted = set(review_settings.specialties or [])
    apps = list(assignment_candidates(campaign=campaign))
    experts = _pool(campaign)
    loads = _loads(campaign)
    existing: dict[int, set] = {}
    staffed_count: dict[int, int] = {}
    for a in Assignment.objects.filter(campaign=campaign).values("application_id", "expert_id", "status", "role"):
        existing.setdefault(a["application_id"], set()).add(a["expert_id"])
        if a["status"] in LOAD_STATUSES and a["role"] == Assignment.Role.REGULAR:
            staffed_count[a["application_id"]] = staffed_count.get(a["application_id"], 0) + 1
    declared = set(ExpertConflict.objects.filter(application__campaign=campaign).values_list("expert_id",
                                                                                            "application_id"))
    by_unit: dict[str, set] = {}
    for x in experts:
        for u in [x.unit, *(x.conflict_units or [])]:
            if normalize_unit_name(u):
                by_unit.setdefault(normalize_unit_name(u), set()).add(x.pk)
    by_user = {x.user_id: x.pk for x in experts}
    declared_by_app: dict[int, set] = {}
    for e_id, a_id in declared:
        declared_by_app.setdefault(a_id, set()).add(e_id)
    needs = []
    for app in apps:
        forbidden = set(existing.get(app.pk, ())) | declared_by_app.get(app.pk, set()) | \
            by_unit.get(normalize_unit_name(_employer(app)), set())
        if app.applicant_id in by_user:
            forbidden.add(by_user[app.applicant_id])
        needs.append(solver.DossierNeed(key=app.pk, needed=max(0, need_n - staffed_count.get(app.pk, 0)),
                                        forbidden=frozenset(forbidden)))
    if job:
        _progress(job, 20)
    slots = [solver.ExpertSlot(key=x.pk, limit=x.max_per_campaign, load=loads.get(x.pk, 0),
                               matches_specialty=_matches(x, wanted)) for x in experts]
    plan = solver.solve(needs, slots)
    if job:
        _progress(job, 50)
    now = timezone.now()
    with transaction.atomic():
        Assignment.objects.bulk_create([Assignment(application_id=d, expert_id=e, campaign=campaign, created_at=now)
                                        for d, e in plan.pairs], batch_size=1000)
    if job:
        _progress(job, 60)
    if start_portfolio:
        portfolio_start(campaign=campaign, actor=actor, job=job)
    by_number = {a.pk: a.number or str(a.pk) for a in apps}
    return {"dossiers": sum(1 for n in needs if n.needed), "assigned": len(plan.pairs),
            "unstaffed": [{"application": pk, "number": by_number[pk], "reason": reason}
                          for pk, reason in sorted(plan.unstaffed.items(), key=lambda kv: by_number[kv[0]])]}


PORTFOLIO_START_CHUNK = 500


def portfolio_start(*, campaign: Campaign, actor=None, job: AssignmentJob | None = None) -> int:
    """Scoring starts: eligible regular dossiers that have experts move to 业绩成果评审, each through the
    application's transition (own lock, audit entry). Idempotent; progress from 60 to 100 % on a job."""
    pks = list(Application.objects.filter(campaign=campaign, status=S.ELIGIBLE, track=Application.Track.REGULAR,
                                          assignments__status__in=LOAD_STATUSES)
               .distinct().order_by("pk").values_list("pk", flat=True))
    moved = 0
    for start in range(0, len(pks), PORTFOLIO_START_CHUNK):
        # One commit per chunk; each transition is its own savepoint, so one refusal leaves the others.
        with transaction.atomic():
            for pk in pks[start:start + PORTFOLIO_START_CHUNK]:
                try:
                    application_transition(application=Application(pk=pk), to=S.PORTFOLIO_REVIEW, actor=actor,
                                           action="reviews.portfolio.started", template=None)
                    moved += 1
                except ValidationError:
                    continue  # withdrawn or moved meanwhile
        if job:
            _progress(job, 60 + 40 * min(len(pks), start + PORTFOLIO_START_CHUNK) // len(pks))
    return moved


def assignment_job_run(*, job_id: int) -> AssignmentJob:
    job = AssignmentJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    job = transition(instance=job, to=AssignmentJob.Status.RUNNING, actor=None,
                     allowed=ASSIGNMENT_JOB_TRANSITIONS, action="reviews.assignment.job_started",
                     apply=lambda j: setattr(j, "progress", 0))
    try:
        outcome = assignment_run(campaign=job.campaign, actor=job.created_by, job=job)
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job for the secretariat
        message = f"{type(exc).__name__}: {exc}"[:2000]
        job.refresh_from_db()
        return transition(instance=job, to=AssignmentJob.Status.FAILED, actor=None,
                          allowed=ASSIGNMENT_JOB_TRANSITIONS, action="reviews.assignment.job_failed",
                          apply=lambda j: (setattr(j, "failure_message", message),
                                           setattr(j, "finished_at", timezone.now())))

    def finish(j):
        j.progress, j.finished_at = 100, timezone.now()
        j.dossiers, j.assigned, j.unstaffed = outcome["dossiers"], outcome["assigned"], outcome["unstaffed"]

    job.refresh_from_db()
    return transition(instance=job, to=AssignmentJob.Status.DONE, actor=None, allowed=ASSIGNMENT_JOB_TRANSITIONS,
                      action="reviews.assignment.job_done", apply=finish)


def _pick_expert(*, application: Application, exclude: set, role: str) -> Assignment | None:
    """One more expert for a dossier (a replacement or an arbiter) under the same conflict and load rules:
    the least loaded (relative to their limit) who matches the campaign's specialties where asked."""
    campaign = application.campaign
    wanted = set(review_settings_get(campaign=campaign).specialties or [])
    taken = set(Assignment.objects.filter(application=application).values_list("expert_id", flat=True))
    declared = set(ExpertConflict.objects.filter(application=application).values_list("expert_id",
                                                                                       "application_id"))
    loads = _loads(campaign)
    unit_key = normalize_unit_name(_employer(application))
    choices = [x for x in _pool(campaign) if x.pk not in taken | exclude
               and loads.get(x.pk, 0) < x.max_per_campaign
               and not _conflicts(x, application, declared=declared, unit_key=unit_key)]
    choices.sort(key=lambda x: (not _matches(x, wanted), loads.get(x.pk, 0) / x.max_per_campaign, x.pk))
    for expert in choices:
        # Lock the expert and count again: two replacements at once must not push them over the limit.
        Expert.objects.select_for_update().get(pk=expert.pk)
        if Assignment.objects.filter(campaign=campaign, expert=expert, status__in=LOAD_STATUSES).count() \
                < expert.max_per_campaign:
            return Assignment.objects.create(application=application, expert=expert, campaign=campaign, role=role)
    return None


def assignment_move(*, assignment: Assignment, to_expert: Expert, actor) -> Assignment:
    """The secretariat moves a dossier from one expert to another by hand; the conflict check still applies."""
    application = assignment.application
    _require_secretariat_of(actor, application)
    if to_expert.authority_id != application.campaign.authority_id or not to_expert.active:
        raise ValidationError("只能调整给本认证机构专家库中的专家。")
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status != Assignment.Status.ACTIVE:
            raise ValidationError("该分配已提交评分或已回避，不能调整。")
        declared = set(ExpertConflict.objects.filter(application=application).values_list("expert_id",
                                                                                           "application_id"))
        why = _conflicts(to_expert, application, declared=declared)
        if why:
            raise ValidationError(f"不能分配给{to_expert.full_name}：{why}。", code="conflict")
        if Assignment.objects.filter(application=application, expert=to_expert).exists():
            raise ValidationError(f"{to_expert.full_name}已分配过该申报书。")
        Expert.objects.select_for_update().get(pk=to_expert.pk)
        load = Assignment.objects.filter(campaign=application.campaign, expert=to_expert,
                                         status__in=LOAD_STATUSES).count()
        if load >= to_expert.max_per_campaign:
            raise ValidationError(f"{to_expert.full_name}本次认证已分配{load}份，达到上限。", code="full")
        locked.status = Assignment.Status.MOVED
        locked.save(update_fields=["status"])
        Review.objects.filter(assignment=locked, status=Review.Status.DRAFT).delete()
        new = Assignment.objects.create(application=application, expert=to_expert, campaign=application.campaign,
                                        role=locked.role)
        audit(subject=new, action="reviews.assignment.moved", actor=actor,
              reason=f"由{locked.expert.full_name}调整为{to_expert.full_name}")
    return new


def assignment_declare_conflict(*, assignment: Assignment, actor, reason: str) -> Assignment | None:
    """The expert declares a conflict: the dossier is taken away and another expert assigned if one is free."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明回避原因。"})
    if assignment.expert.user_id != getattr(actor, "pk", None):
        raise ValidationError("只能对分配给您的申报书声明回避。")
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=assignment.application_id)
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status != Assignment.Status.ACTIVE:
            raise ValidationError("已提交评分的申报书不能再声明回避。")
        ExpertConflict.objects.get_or_create(expert=locked.expert, application=locked.application,
                                             defaults={"reason": reason.strip()[:200]})
        locked.status = Assignment.Status.CONFLICT
        locked.save(update_fields=["status"])
        Review.objects.filter(assignment=locked, status=Review.Status.DRAFT).delete()
        audit(subject=locked, action="reviews.assignment.conflict_declared", actor=actor, reason=reason.strip())
        replacement = _pick_expert(application=locked.application, exclude={locked.expert_id}, role=locked.role)
        if replacement:
            audit(subject=replacement, action="reviews.assignment.replaced", actor=None,
                  reason=f"替换声明回避的专家{locked.expert.full_name}")
    return replacement


# --- scoring, aggregation and arbitration --------------------------------------------------------------

TWO = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def review_save(*, assignment: Assignment, actor, scores: dict, comment: str = "", submit: bool = False) -> Review:
    """Save an expert's scores as a draft, or submit them (final). Each aspect 0…its maximum. On submit the
    dossier's aggregate is (re)computed under the application's row lock, so two experts submitting at the
    same moment still produce one aggregate."""
    if assignment.expert.user_id != getattr(actor, "pk", None):
        raise ValidationError("该申报书未分配给您，不能评分。", code="not_assigned")
    categories = list(ReviewScoreCategory.objects.filter(campaign_id=assignment.campaign_id))
    if not categories:
        raise ValidationError("该认证活动尚未设置评审方面。")
    errors, values = {}, {}
    for c in categories:
        raw = scores.get(c.code)
        if raw in (None, ""):
            if submit:
                errors[c.code] = f"请为“{c.name}”打分。"
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[c.code] = f"“{c.name}”的得分必须是数字。"
            continue
        if not value.is_finite() or value < 0 or value > c.max_score:
            errors[c.code] = f"“{c.name}”的得分须在0至{c.max_score.normalize():f}分之间。"
            continue
        values[c.pk] = _q(value)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=assignment.application_id)
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status != Assignment.Status.ACTIVE:
            raise ValidationError("该评审已提交或已回避，不能再修改。", code="closed")
        review, _ = Review.objects.get_or_create(assignment=locked, defaults={
            "application": application, "expert_id": locked.expert_id})
        review.comment = (comment or "").strip()
        for category_id, value in values.items():
            ReviewScore.objects.update_or_create(review=review, category_id=category_id, defaults={"value": value})
        if submit:
            total_max = sum((c.max_score for c in categories), Decimal(0))
            got = sum(values.values(), Decimal(0))
            review.total = _q(got * 100 / total_max)
            review.status, review.submitted_at = Review.Status.SUBMITTED, timezone.now()
            locked.status = Assignment.Status.SUBMITTED
            locked.save(update_fields=["status"])
        review.full_clean()
        review.save()
        if submit:
            audit(subject=review, action="reviews.review.submitted", actor=actor, to_state=review.status)
            portfolio_aggregate(application=application)
    return review


def _mean(values):
    return _q(sum(values, Decimal(0)) / len(values))


def _median(values):
    return _q(Decimal(str(statistics.median(values))))


def arbitrate(totals: list[Decimal], rule: str) -> tuple[Decimal, str]:
    """The arbitration rule over the regular experts' and the arbiter's totals."""
    if rule == ReviewSettings.Arbitration.MEAN_ALL:
        return _mean(totals), "全部专家的平均分"
    if rule == ReviewSettings.Arbitration.MEDIAN_ALL:
        return _median(totals), "全部专家的中位数"
    ordered = sorted(totals)
    gaps = [(ordered[i + 1] - ordered[i], i) for i in range(len(ordered) - 1)]
    best = min(g for g, _ in gaps)
    closest = [i for g, i in gaps if g == best]
    if len(closest) > 1:
        # Equally close pairs: their means average to the middle score, so take the median.
        return _median(ordered), "最接近的两位专家的平均分（两组同样接近，取中位数）"
    i = closest[0]
    return _mean(ordered[i:i + 2]), "最接近的两位专家的平均分"


def portfolio_aggregate(*, application: Application) -> StageScore | None:
    """The portfolio score of a dossier once its experts have submitted. Call under the application's row lock.

    Experts' totals differing by more than the tolerance (exactly the tolerance is within it) bring in one
    arbiter, chosen under the same conflict and load rules; the campaign's arbitration rule then decides.
    """
    review_settings = review_settings_get(campaign=application.campaign)
    live = list(Assignment.objects.filter(application=application, status__in=LOAD_STATUSES)
                .select_related("expert", "review"))
    regular = [a for a in live if a.role == Assignment.Role.REGULAR]
    arbiters = [a for a in live if a.role == Assignment.Role.ARBITER]
    submitted = [a for a in regular if a.status == Assignment.Status.SUBMITTED]
    if len(submitted) < review_settings.experts_per_dossier or len(submitted) < len(regular):
        return None
    totals = [a.review.total for a in submitted]
    spread = max(totals) - min(totals)
    parts = [{"expert": a.expert_id, "name": a.expert.full_name, "role": a.role, "total": str(a.review.total)}
             for a in submitted]
    detail = {"parts": parts, "difference": str(spread), "tolerance": str(review_settings.tolerance)}
    if len(totals) >= 2 and spread > review_settings.tolerance:
        if not arbiters:
            arbiter = _pick_expert(application=application, exclude=set(), role=Assignment.Role.ARBITER)
            # Review internals stay off the applicant's timeline: the entry hangs on the arbiter's assignment
            # (or, when no expert is free, on the last review submitted).
            audit(subject=arbiter or submitted[-1].review, action="reviews.portfolio.arbitration_needed", actor=None,
                  reason=f"专家评分相差{spread}分，超过容许值{review_settings.tolerance}分"
                         + ("，已增派仲裁专家。" if arbiter else "，暂无可增派的专家，请秘书处手工分配。"))
            return None
        done = [a for a in arbiters if a.status == Assignment.Status.SUBMITTED]
        if len(done) < len(arbiters):
            return None
        parts += [{"expert": a.expert_id, "name": a.expert.full_name, "role": a.role, "total": str(a.review.total)}
                  for a in done]
        score, rule_label = arbitrate(totals + [a.review.total for a in done], review_settings.arbitration)
        detail.update(rule=review_settings.arbitration, rule_label=f"仲裁：{rule_label}", arbitrated=True)
    elif review_settings.aggregation == ReviewSettings.Aggregation.MEDIAN:
        score = _median(totals)
        detail.update(rule="median", rule_label="专家评分的中位数", arbitrated=False)
    else:
        score = _mean(totals)
        detail.update(rule="mean", rule_label="专家评分的平均分", arbitrated=False)
    detail["parts"] = parts
    stage_score, _ = StageScore.objects.update_or_create(application=application, stage=Stage.PORTFOLIO,
                                                         defaults={"score": score, "detail": detail})
    audit(subject=stage_score, action="reviews.portfolio.scored", actor=None,
          reason=f"{score}（{detail['rule_label']}）")
    return stage_score


# --- reminders ---------------------------------------------------------------------------------------------

def reviews_remind_overdue(*, now: dt.datetime | None = None) -> int:
    """Experts with unsubmitted reviews past the campaign's due date get one reminder a day, via the outbox."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = (Assignment.objects.filter(status=Assignment.Status.ACTIVE,
                                         campaign__review_settings__review_due__lt=today)
               .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - dt.timedelta(days=1)))
               .select_related("expert__user", "campaign"))
    by_expert: dict[int, list] = {}
    for a in overdue:
        by_expert.setdefault(a.expert_id, []).append(a)
    for items in by_expert.values():
        with transaction.atomic():
            expert = items[0].expert
            notify_user(user=expert.user, template="review_overdue", context={
                "expert": expert, "count": len(items), "campaign": items[0].campaign,
                "due": items[0].campaign.review_settings.review_due})
            Assignment.objects.filter(pk__in=[a.pk for a in items]).update(last_reminded_at=now)
    return len(by_expert)
