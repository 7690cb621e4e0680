"""Reads for review. Work queues are queries over applications in a state (ARCHITECTURE.md)."""

import functools
import hashlib
import statistics
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from applicants.models import Application, DossierEntry
from certification.eligibility import Outcome
from certification.idcard import mask_id_number
from certification.models import Campaign
from certification.predicates import is_secretariat_of_campaign

from . import services
from .models import Assignment, EligibilityDecision, Expert, Review, ReviewScoreCategory, Stage, StageScore

S = Application.Status


# The workbench's campaigns are kept in the cache per authority: a campaign saved or deleted through the ORM drops
# them (`authority_campaigns_forget`), anything else (a bulk update, a manual SQL fix) at most
# AUTHORITY_CAMPAIGNS_MAX_AGE seconds later. Reading them was an eighth of the workbench page (issue 13).
AUTHORITY_CAMPAIGNS_MAX_AGE = 60
_AUTHORITY_CAMPAIGNS_GENERATION_KEY = "reviews:authority-campaigns:generation"
# In Campaign's column order, as `Model.from_db` takes a partial row.
_AUTHORITY_CAMPAIGN_FIELDS = tuple(f.attname for f in Campaign._meta.concrete_fields
                                   if f.attname in {"id", "slug", "title", "authority_id", "year", "level"})


def authority_campaigns_forget(**kwargs) -> None:
    """Connected to Campaign's post_save and post_delete: every authority's kept list is dropped."""
    cache.set(_AUTHORITY_CAMPAIGNS_GENERATION_KEY, time.time_ns(), None)


def authority_campaigns(*, user) -> list[Campaign]:
    """The campaigns run by the user's own authority, newest first: the workbench's campaign filter and scope
    (without their rule sets and texts; written out, as the ORM took three times as long to ask, issue 13)."""
    if user.authority_id is None:
        return []
    generation = cache.get(_AUTHORITY_CAMPAIGNS_GENERATION_KEY)
    if generation is None:  # never set, or evicted: a value no earlier key can carry
        cache.add(_AUTHORITY_CAMPAIGNS_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(_AUTHORITY_CAMPAIGNS_GENERATION_KEY)
    key = f"reviews:authority-campaigns:{generation}:{user.authority_id}"
    rows = cache.get(key)
    if rows is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(_AUTHORITY_CAMPAIGN_FIELDS)} FROM certification_campaign"
                           " WHERE authority_id = %s ORDER BY year DESC, level", [user.authority_id])
            rows = cursor.fetchall()
        cache.set(key, rows, AUTHORITY_CAMPAIGNS_MAX_AGE)
    return [Campaign.from_db("default", _AUTHORITY_CAMPAIGN_FIELDS, row) for row in rows]


def _eligibility_base(*, user, campaigns: list[Campaign] | None = None) -> QuerySet[Application]:
    """Non-draft applications of the authority's campaigns in `(campaign, number)` order. The campaign ids go in
    as a literal list: PostgreSQL then walks the partial index `application_list_order` in that order across
    several campaigns, where `IN (subquery)` turns into a join that loses it and sorts every row. Campaigns the
    caller passes count only if they are the user's authority's."""
    if campaigns is None:
        campaigns = authority_campaigns(user=user)
    return _listed(_scope(user, campaigns))


def _scope(user, campaigns: list[Campaign]) -> tuple[int, ...]:
    return tuple(c.pk for c in campaigns if c.authority_id == user.authority_id)


def _listed(scope: tuple[int, ...]) -> QuerySet[Application]:
    return Application.objects.filter(campaign_id__in=scope).exclude(status=S.DRAFT).order_by("campaign_id", "number")


def _filtered(qs, *, campaign=None, level="", status="", verdict="", city="", unit="", track="", q=""):
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if level:
        qs = qs.filter(level=level)
    if status in S.values:
        qs = qs.filter(status=status)
    if track in Application.Track.values:
        qs = qs.filter(track=track)
    if verdict:
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


def eligibility_queue(*, user, campaigns: list[Campaign] | None = None, **filters) -> QuerySet:
    """The workbench list as ids in display order: applications of the campaigns run by the user's own authority
    (drafts are the applicant's business), filtered (campaign, level, status, engine verdict, city, unit, track,
    name or number). Unfiltered, or by status, level or track, its count and any page's slice are index-only
    scans of `application_list_order`; `eligibility_page` reads one page's rows."""
    return _filtered(_eligibility_base(user=user, campaigns=campaigns), **filters).values_list("pk", flat=True)


@dataclass(slots=True)
class EligibilityRow:
    """One line of the workbench table, everything it shows already worked out (50 of them a page)."""

    pk: int
    number: str
    status: str
    track: str
    amendment_used: bool
    campaign_title: str
    display_name: str
    masked_id: str
    unit: str
    city: str
    verdict: str
    status_label: str
    pending_decision: str
    detail_url: str
    return_url: str


@dataclass(slots=True)
class EligibilityPage:
    rows: list[EligibilityRow]
    page: Page
    pending: int  # the authority's (or the chosen campaign's) decisions waiting to be released


# One page of the workbench in one statement: the rows whose ids are this page's slice of `eligibility_queue`
# (`{ids}`, compiled by the ORM with every filter and the scope; unfiltered its LIMIT/OFFSET is an index-only
# scan), with the list's total and the pending decisions as scalar subqueries. Only what a row shows is read: no
# rule sets, no profile snapshots, of the stored engine verdict only its outcome. Written out because building
# and compiling it through the ORM cost more than PostgreSQL takes to run it (issue 13).
_PAGE_SQL = """
SELECT a.id, a.number, a.status, a.track, a.amendment_used, a.campaign_id,
       u.full_name, u.email, p.id, p.full_name, p.id_number, p.employer, p.city,
       d.outcome, d.status, a.eligibility_result ->> 'outcome',
       {count},
       (SELECT count(*) FROM reviews_eligibilitydecision pd
          JOIN applicants_application pa ON pa.id = pd.application_id
         WHERE pd.status = 'pending' AND pa.campaign_id IN ({pending}))
  FROM applicants_application a
  JOIN certification_user u ON u.id = a.applicant_id
  LEFT JOIN applicants_applicantprofile p ON p.user_id = u.id
  LEFT JOIN reviews_eligibilitydecision d ON d.application_id = a.id
 WHERE a.id IN ({ids} LIMIT %s OFFSET %s)
 ORDER BY a.campaign_id, a.number"""
_STATUS_LABELS = dict(S.choices)
_VERDICT_LABELS = dict(Outcome.choices)
_DECISION_LABELS = dict(EligibilityDecision.Outcome.choices)
_PENDING = EligibilityDecision.Status.PENDING


def _url_for_pk(name: str):
    """`reverse()` costs as much as a dozen rows' other work: resolve the pattern once, put each pk in."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _requested_page(value) -> int | None:
    """As `Paginator.get_page` reads it: not a number is page 1, below 1 the last page (None)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def eligibility_page(*, user, campaigns: list[Campaign], page, per_page: int, **filters) -> EligibilityPage:
    """The workbench's page `page` (as a request gives it) of `eligibility_queue(**filters)`, `campaigns` being
    the authority's (`authority_campaigns`): one query, plus a count and a second try when the page asked for
    is past the end. The 退回修改 link shows when `reviews.return_for_amendment` would allow it, asked the way
    that rule does: the campaign is the user's authority's (once per campaign) and
    `services.eligibility_return_open` on the row's state. The return view checks the permission on the
    application itself."""
    chosen, scope = filters.get("campaign"), _scope(user, campaigns)
    if not scope:  # an authority without campaigns (the ORM would not even compile `IN ()`)
        return EligibilityPage(rows=[], page=Paginator([], per_page).get_page(1), pending=0)
    key_filters = {**filters, "campaign": chosen.pk if chosen else None}
    count_key = _list_count_key(scope, key_filters)
    known_total = cache.get(count_key)
    sql, ids_params, pending_in = _page_sql(scope, counted=known_total is None, **key_filters)
    count_params = ids_params if known_total is None else ()

    def fetch(number):
        with connection.cursor() as cursor:
            cursor.execute(sql, [*count_params, *pending_in, *ids_params, per_page, (number - 1) * per_page])
            return cursor.fetchall()

    number = _requested_page(page)
    fetched = fetch(number) if number else []
    total = fetched[0][-2] if fetched and known_total is None else known_total
    if fetched and total is not None and number <= max(1, -(-total // per_page)):
        pending = fetched[0][-1]
        page = Paginator(range(total), per_page).page(number)
    else:  # an empty list, past its end, or a kept total that no longer fits: count now, Django's last page
        total = eligibility_queue(user=user, campaigns=campaigns, **filters).count()
        page = Paginator(range(total), per_page).get_page(number or 0)
        fetched = fetch(page.number) if total else []
        pending = fetched[0][-1] if fetched else pending_decisions(user=user, campaign=chosen).count()
    if known_total != total:
        cache.set(count_key, total, ELIGIBILITY_COUNT_MAX_AGE)
    return EligibilityPage(rows=_rows(user, fetched, campaigns), page=page, pending=pending)


# The list's total (共 N 份 and the page count) is kept in the cache per scope and filters: counting reads every
# entry of the index on each request, the largest part of the page's database time at a province's scale
# (issue 13). A saved or deleted application starts a new generation (`eligibility_counts_forget`), so the total
# is exact after anything done through the services; after a bulk update or a manual SQL fix it is at most
# ELIGIBILITY_COUNT_MAX_AGE seconds old. The rows themselves are always read afresh.
ELIGIBILITY_COUNT_MAX_AGE = 60
_COUNT_GENERATION_KEY = "reviews:eligibility-count:generation"


def eligibility_counts_forget(**kwargs) -> None:
    """Connected to Application's post_save and post_delete: every kept total is dropped."""
    cache.set(_COUNT_GENERATION_KEY, time.time_ns(), None)


def _list_count_key(scope: tuple[int, ...], filters: dict) -> str:
    generation = cache.get(_COUNT_GENERATION_KEY)
    if generation is None:  # never set, or evicted: a value no earlier key can carry
        cache.add(_COUNT_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(_COUNT_GENERATION_KEY)
    wanted = hashlib.sha256(repr((scope, sorted(filters.items()))).encode()).hexdigest()[:32]
    return f"reviews:eligibility-count:{generation}:{wanted}"


@functools.lru_cache(maxsize=256)
def _page_sql(scope: tuple[int, ...], counted: bool = True, **filters) -> tuple[str, tuple, tuple]:
    """`_PAGE_SQL` with the ids of `eligibility_queue` for this scope and these filters, compiled by the ORM once
    per process: the same arguments give the same SQL, and building and compiling it cost as much again as
    running the whole page (most requests differ only in the page number). Also the campaigns whose pending
    decisions count (the chosen one, else the scope), as plain placeholders: the statement runs on SQLite too.
    Returns (sql, ids params, pending campaign ids)."""
    ids_sql, ids_params = _filtered(_listed(scope), **filters).values_list("pk", flat=True).query.sql_with_params()
    pending_in = (filters["campaign"],) if filters.get("campaign") else scope
    sql = _PAGE_SQL.replace("{count}", "(SELECT count(*) FROM ({ids}) AS listed)" if counted else "NULL")
    sql = sql.replace("{ids}", ids_sql).replace("{pending}", ", ".join(["%s"] * len(pending_in)))
    return sql, tuple(ids_params), pending_in


def _rows(user, fetched, campaigns: list[Campaign]) -> list[EligibilityRow]:
    by_id = {c.pk: c for c in campaigns}
    campaign_ok = {pk: bool(is_secretariat_of_campaign(user, c)) for pk, c in by_id.items()}
    detail_url, return_url = _url_for_pk("reviews:eligibility_detail"), _url_for_pk("reviews:eligibility_return")
    rows = []
    for (pk, number, status, track, amendment_used, campaign_id, user_name, email, profile_id, full_name, id_number,
         employer, city, decision_outcome, decision_status, verdict, _total, _pending) in fetched:
        campaign = by_id.get(campaign_id)
        row = EligibilityRow(
            pk=pk, number=number or "", status=status, track=track, amendment_used=amendment_used,
            campaign_title=campaign.title if campaign else "",
            # The profile's name when there is a profile (as the applicant keeps it), else the account's.
            display_name=(full_name if profile_id is not None else user_name or email),
            masked_id=mask_id_number(id_number) if id_number else "", unit=employer or "", city=city or "",
            verdict=_VERDICT_LABELS.get(verdict, ""), status_label=_STATUS_LABELS.get(status, status),
            pending_decision=_DECISION_LABELS.get(decision_outcome, "") if decision_status == _PENDING else "",
            detail_url=detail_url(pk), return_url="")
        if campaign_ok.get(campaign_id) and services.eligibility_return_open(row):
            row.return_url = return_url(pk)
        rows.append(row)
    return rows


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
    rows = _filtered(_eligibility_base(user=user), campaign=campaign).select_related(
        "applicant", "applicant__applicant_profile", "eligibility_decision")
    for a in rows.iterator(chunk_size=500):
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

