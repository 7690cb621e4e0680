"""Reads for review. Work queues are queries over applications in a state (ARCHITECTURE.md)."""

import statistics

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from applicants.models import Application, DossierEntry
from certification.models import Campaign

from .models import Assignment, EligibilityDecision, Expert, Review, ReviewScoreCategory, Stage, StageScore

S = Application.Status
HAS_STORED_VERDICT = any(f.name == "eligibility_result" for f in Application._meta.get_fields())


# The columns the eligibility list shows (and its permission checks read); nothing else: no rule sets, no
# profile snapshots.
ELIGIBILITY_LIST_COLUMNS = ("pk", "number", "status", "track", "level", "amendment_used", "submitted_at",
                            "campaign_id", "applicant_id", "campaign__title", "campaign__authority_id",
                            "applicant__full_name", "applicant__email", "applicant__applicant_profile__full_name",
                            "applicant__applicant_profile__id_number", "applicant__applicant_profile__employer",
                            "applicant__applicant_profile__city", "eligibility_decision__id",
                            "eligibility_decision__outcome", "eligibility_decision__status",
                            *(("eligibility_result",) if HAS_STORED_VERDICT else ()))


def _eligibility_base(*, user) -> QuerySet[Application]:
    """Filtered by campaign id (a subquery on the small campaign table) and sorted on `(campaign, number)`, the
    `application_campaign_number` index, so a page reads only its own rows instead of sorting all of them."""
    campaigns = Campaign.objects.filter(authority_id=user.authority_id).values("pk")
    return (Application.objects.filter(campaign_id__in=campaigns)
            .exclude(status=S.DRAFT)
            .select_related("campaign", "applicant", "applicant__applicant_profile", "eligibility_decision")
            .order_by("campaign_id", "number"))


def _filtered(qs, *, campaign=None, level="", status="", verdict="", city="", unit="", track="", q=""):
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if level:
        qs = qs.filter(level=level)
    if status in S.values:
        qs = qs.filter(status=status)
    if track in Application.Track.values:
        qs = qs.filter(track=track)
    if verdict and HAS_STORED_VERDICT:
        qs = qs.filter(eligibility_result__outcome=verdict)
    if city:
        qs = qs.filter(Q(applicant__applicant_profile__city__icontains=city)
                       | Q(profile_snapshot__city__icontains=city))
    if unit:
        qs = qs.filter(Q(applicant__applicant_profile__employer__icontains=unit)
                       | Q(profile_snapshot__employer__icontains=unit))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(applicant__applicant_profile__full_name__icontains=q)
                       | Q(profile_snapshot__full_name__icontains=q))
    return qs


def eligibility_queue(*, user, **filters) -> QuerySet[Application]:
    """The workbench list: applications of the campaigns run by the user's own authority (drafts are the
    applicant's business), filtered (campaign, level, status, engine verdict, city, unit, track, name or
    number), only the shown columns. One query for a page whatever its size."""
    return _filtered(_eligibility_base(user=user), **filters).only(*ELIGIBILITY_LIST_COLUMNS)


def application_for_secretariat(*, user, pk) -> Application:
    """An application of the user's own authority with its dossier; anyone else's is a 404."""
    application = (Application.objects.select_related("campaign", "campaign__authority", "campaign__province",
                                                      "applicant", "applicant__applicant_profile")
                   .prefetch_related(Prefetch("entries", queryset=DossierEntry.objects.order_by(
                       "item_code", "occurred_on", "pk")))
                   .filter(pk=pk, campaign__authority_id=user.authority_id).exclude(status=S.DRAFT).first())
    if application is None:
        raise Http404
    return application


def pending_decisions(*, user, campaign: Campaign | None = None) -> QuerySet[EligibilityDecision]:
    qs = EligibilityDecision.objects.filter(status=EligibilityDecision.Status.PENDING,
                                            application__campaign__authority_id=user.authority_id)
    return qs.filter(application__campaign=campaign) if campaign else qs


def decision_of(application: Application) -> EligibilityDecision | None:
    try:
        return application.eligibility_decision
    except EligibilityDecision.DoesNotExist:
        return None


# --- experts ---------------------------------------------------------------------------------------------

def expert_of(*, user) -> Expert | None:
    return Expert.objects.filter(user=user).first() if user.is_authenticated else None


def expert_pool(*, user) -> QuerySet[Expert]:
    return Expert.objects.filter(authority_id=user.authority_id).select_related("province", "user")


def expert_queue(*, expert: Expert) -> QuerySet[Assignment]:
    """评审任务: the expert's live assignments (not moved away or declined), with their reviews."""
    return (Assignment.objects.filter(expert=expert, status__in=[Assignment.Status.ACTIVE,
                                                                 Assignment.Status.SUBMITTED])
            .select_related("application", "application__campaign", "application__applicant__applicant_profile",
                            "review")
            .order_by("status", "campaign_id", "application__number"))


def assignment_of_expert(*, user, pk) -> Assignment:
    """An assignment of this expert; a dossier not assigned to them is a 404."""
    assignment = (Assignment.objects.select_related("application", "application__campaign", "expert",
                                                    "application__applicant__applicant_profile")
                  .prefetch_related(Prefetch("application__entries", queryset=DossierEntry.objects.order_by(
                      "item_code", "occurred_on", "pk")))
                  .filter(pk=pk, expert__user=user,
                          status__in=[Assignment.Status.ACTIVE, Assignment.Status.SUBMITTED]).first())
    if assignment is None:
        raise Http404
    return assignment


def review_of(assignment: Assignment) -> Review | None:
    return Review.objects.filter(assignment=assignment).prefetch_related("scores").first()


def co_reviews(*, assignment: Assignment) -> list[Review]:
    """Other experts' submitted reviews of the same dossier, only once this expert has submitted their own."""
    if assignment.status != Assignment.Status.SUBMITTED:
        return []
    return list(Review.objects.filter(application_id=assignment.application_id, status=Review.Status.SUBMITTED)
                .exclude(assignment=assignment).select_related("expert").prefetch_related("scores__category"))


def categories(campaign: Campaign) -> list[ReviewScoreCategory]:
    return list(ReviewScoreCategory.objects.filter(campaign=campaign))


# --- portfolio overview, calibration, exports ---------------------------------------------------------

def portfolio_overview(*, campaign: Campaign) -> QuerySet[Application]:
    live = Assignment.objects.select_related("expert", "review").order_by("role", "created_at", "pk")
    return (Application.objects.filter(campaign=campaign, track=Application.Track.REGULAR)
            .filter(Q(status__in=[S.ELIGIBLE, S.PORTFOLIO_REVIEW]) | Q(assignments__isnull=False)).distinct()
            .select_related("applicant__applicant_profile")
            .prefetch_related(Prefetch("assignments", queryset=live),
                              Prefetch("stage_scores", queryset=StageScore.objects.filter(stage=Stage.PORTFOLIO),
                                       to_attr="portfolio_scores"))
            .order_by("number", "pk"))


def calibration(*, campaign: Campaign) -> list[dict]:
    """Per expert: dossiers scored, mean, spread, mean deviation from co-reviewers of the same dossiers, and
    |z| of that deviation among the panel (flag > 2): the bias that moved a result, not just the variance."""
    reviews = list(Review.objects.filter(application__campaign=campaign, status=Review.Status.SUBMITTED)
                   .select_related("expert").order_by("expert_id", "pk"))
    by_app: dict[int, list[Review]] = {}
    for r in reviews:
        by_app.setdefault(r.application_id, []).append(r)
    rows: dict[int, dict] = {}
    for r in reviews:
        row = rows.setdefault(r.expert_id, {"expert": r.expert, "totals": [], "deviations": []})
        row["totals"].append(float(r.total))
        others = [float(o.total) for o in by_app[r.application_id] if o.pk != r.pk]
        if others:
            row["deviations"].append(float(r.total) - sum(others) / len(others))
    out = []
    for row in rows.values():
        t = row["totals"]
        row.update(count=len(t), mean=round(statistics.fmean(t), 2),
                   spread=round(statistics.pstdev(t), 2) if len(t) > 1 else 0.0,
                   deviation=round(statistics.fmean(row["deviations"]), 2) if row["deviations"] else None)
        out.append(row)
    devs = [r["deviation"] for r in out if r["deviation"] is not None]
    mu = statistics.fmean(devs) if devs else 0.0
    sd = statistics.pstdev(devs) if len(devs) > 1 else 0.0
    for r in out:
        r["z"] = round((r["deviation"] - mu) / sd, 2) if sd and r["deviation"] is not None else None
        r["flag"] = r["z"] is not None and abs(r["z"]) > 2
    out.sort(key=lambda r: r["expert"].full_name)
    return out


def calibration_svg(rows: list[dict], *, width: int = 640) -> dict:
    """Geometry for a server-rendered SVG strip chart: one row per expert, each score a dot on 0–100, the
    mean a bar. Returned as numbers for the template (no JavaScript, no CDN)."""
    left, right, row_h = 150, 20, 28
    span = width - left - right
    lines = []
    for i, r in enumerate(rows):
        y = 20 + i * row_h
        lines.append({"y": y, "label": r["expert"].full_name, "flag": r["flag"],
                      "dots": [round(left + span * v / 100, 1) for v in r["totals"]],
                      "mean_x": round(left + span * r["mean"] / 100, 1)})
    ticks = [{"x": round(left + span * v / 100, 1), "v": v} for v in range(0, 101, 20)]
    return {"width": width, "height": 40 + len(rows) * row_h, "lines": lines, "ticks": ticks, "left": left,
            "axis_y": 20 + len(rows) * row_h, "right_x": left + span}


def decisions_export_rows(*, user, campaign: Campaign):
    yield ["申报编号", "姓名", "工作单位", "认证方式", "状态", "审查结论", "不通过原因", "依据条款", "决定状态",
           "审查时间"]
    for a in _filtered(_eligibility_base(user=user), campaign=campaign).iterator(chunk_size=500):
        d = getattr(a, "eligibility_decision", None) if _has_decision(a) else None
        profile = getattr(a.applicant, "applicant_profile", None)
        snap = a.profile_snapshot or {}
        yield [a.number or "", snap.get("full_name") or (profile.full_name if profile else ""),
               snap.get("employer") or (profile.employer if profile else ""), a.get_track_display(),
               a.get_status_display(), d.get_outcome_display() if d else "", d.reason if d else "",
               d.clause if d else "", d.get_status_display() if d else "",
               d.decided_at.strftime("%Y-%m-%d %H:%M") if d else ""]


def _has_decision(application) -> bool:
    try:
        return application.eligibility_decision is not None
    except EligibilityDecision.DoesNotExist:
        return False


def scores_export_rows(*, campaign: Campaign):
    yield ["申报编号", "姓名", "工作单位", "业绩成果评审得分", "计分规则", "各专家总分", "是否仲裁"]
    for a in portfolio_overview(campaign=campaign).iterator(chunk_size=500):
        score = a.portfolio_scores[0] if a.portfolio_scores else None
        snap = a.profile_snapshot or {}
        detail = score.detail if score else {}
        yield [a.number or "", snap.get("full_name", ""), snap.get("employer", ""),
               float(score.score) if score and score.score is not None else "",
               detail.get("rule_label", ""), "、".join(p["total"] for p in detail.get("parts", [])),
               "是" if detail.get("arbitrated") else ""]

