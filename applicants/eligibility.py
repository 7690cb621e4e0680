"""From applicant data to the shared eligibility engine (`certification.eligibility`).

The engine owns the rules and is pure; this module only gathers an applicant's facts from the profile and
the dossier, so the self-check page and the secretariat's review get the same answer.
"""

import dataclasses
import datetime as dt

from django.utils import timezone

from certification import eligibility as engine
from certification import selectors as certification_selectors
from certification.models import Campaign, Level

from . import catalogue
from .models import Application, Honour

# Tables whose own title says "本人作为第一指导教师" (notice 000 附件2 B1): an entry there says so itself.
# Other tables that a rule needs it for ask per entry (`Item.asks_first_supervisor`, e.g. junior E1).
FIRST_SUPERVISOR_ITEMS = {"B1"}


def _first_supervisor(item, entry) -> bool | None:
    if item is not None and item.asks_first_supervisor:
        return entry.first_supervisor  # None for an entry made before the form asked: undecided
    return entry.item_code in FIRST_SUPERVISOR_ITEMS


def gather_facts(*, profile, entries=(), level: str | None = None) -> engine.ApplicantFacts:
    if profile is None:
        return engine.ApplicantFacts()
    achievements = []
    for entry in entries:
        item = catalogue.item_for(level or entry.application.level, entry.item_code)
        for category in (item.categories_of(entry) if item else ()):
            achievements.append(engine.Achievement(
                category=category, date=entry.occurred_on, scope=entry.scope or None,
                as_first_supervisor=_first_supervisor(item, entry),
                title=next(iter(entry.fields.values()), "")))
    honours = list(profile.honours.all())
    return engine.ApplicantFacts(
        declaration_accepted=profile.declaration_accepted,
        birth_date=profile.birth_date,
        education=profile.education or None,
        work_start_date=profile.work_start_date,
        work_part_time=profile.part_time,
        prior_certifications=tuple(
            engine.PriorCertification(level=c.level, year=c.year,
                                      authority_province_code=c.province.code if c.province_id else None)
            for c in profile.prior_certifications.all()),
        trainings=tuple(
            engine.TrainingRecord(hours=t.hours, by_cast_system=t.by_cast, has_certificate=bool(t.certificate_number),
                                  name=t.name)
            for t in profile.trainings.all()),
        achievements=tuple(achievements),
        honours=tuple(h.title for h in honours if h.kind == Honour.Kind.TITLE),
        contest_awards=tuple(engine.ContestAward(contest=h.contest, grade=h.award, held_year=h.year)
                             for h in honours if h.kind == Honour.Kind.CONTEST_AWARD and h.award),
        categories=frozenset({profile.category}) if profile.category else frozenset(),
        unit_barred_until=certification_selectors.unit_barred_until(name=profile.employer,
                                                                    province=profile.province_id),
    )


def _active_applications(user):
    """Applications that hold their year's level: all but drafts withdrawn before they were ever submitted
    (notice 002 二.2 "申报后不允许更换")."""
    return list(Application.objects.filter(applicant=user)
                .exclude(status=Application.Status.WITHDRAWN, submitted_at__isnull=True)
                .only("campaign_id", "level", "year"))


def self_check(*, profile, campaign: Campaign, entries=(), today: dt.date | None = None):
    """The engine's per-criterion result for this campaign (same-year applications elsewhere included)."""
    facts = gather_facts(profile=profile, entries=entries, level=campaign.level)
    if profile is not None:
        others = tuple(a.level for a in _active_applications(profile.user)
                       if a.year == campaign.year and a.campaign_id != campaign.pk)
        facts = dataclasses.replace(facts, other_applications_this_year=others)
    return engine.evaluate_campaign(campaign=campaign, facts=facts, today=today or timezone.localdate())


def _dossiers_by_campaign(user) -> dict:
    """Campaign id -> the applicant's active application there, with its entries (one query each)."""
    apps = (Application.objects.filter(applicant=user).exclude(status=Application.Status.WITHDRAWN)
            .prefetch_related("entries"))
    return {a.campaign_id: a for a in apps}


def may_apply(result, *, dossier_started: bool) -> bool:
    """Whether the applicant may apply under this result. Before a dossier exists the achievements are not
    entered yet (they go into the dossier after starting), so that criterion cannot count against them."""
    failed = [c for c in result.failed if dossier_started or c.kind != "achievements"]
    return result.declaration_accepted and (not failed or bool(result.exceptional))


def open_levels(*, profile, campaigns, today: dt.date | None = None) -> list:
    """Campaigns (open now) this applicant may apply for, lowest level first, each judged the way the
    self-check table judges it: with the dossier entries where an application exists."""
    if profile is None:
        return []
    dossiers = _dossiers_by_campaign(profile.user)
    out = []
    for campaign in sorted(campaigns, key=lambda c: (Level.rank(c.level), c.year)):
        application = dossiers.get(campaign.pk)
        entries = list(application.entries.all()) if application else []
        result = self_check(profile=profile, campaign=campaign, entries=entries, today=today)
        if may_apply(result, dossier_started=application is not None):
            out.append(engine.CampaignEligibility(campaign=campaign, result=result))
    return out


ACHIEVEMENTS_LATER = "业绩成果在开始报名后填写在申报书中，提交时再核对此条件。"


def rows(result, *, dossier_started: bool = True) -> list[dict]:
    if result is None:
        return []
    out = []
    for c in (*result.criteria, *result.exceptional_results):
        row = {"code": c.code, "clause": c.clause, "text": c.text, "status": c.outcome, "kind": c.kind,
               "label": engine.Outcome(c.outcome).label, "message": c.message_zh, "example": c.example}
        if not dossier_started and c.kind == "achievements" and c.outcome != engine.Outcome.PASSED:
            row.update(status="later", label="报名后填写", message=ACHIEVEMENTS_LATER)
        out.append(row)
    return out


def overall(result, *, dossier_started: bool = True) -> str:
    if result is None:
        return ""
    if not dossier_started and result.outcome == engine.Outcome.FAILED and \
            all(c.kind == "achievements" for c in result.failed):
        return "其余条件符合，业绩成果待填写"
    return engine.Outcome(result.outcome).label


# --- the gate at start and submission ----------------------------------------------------------------

# What the applicant can do about a failed criterion, by rule kind (shown after the engine's explanation).
FIX_HINTS = {
    "declaration": "请在“基本情况”中阅读并勾选职业道德声明。",
    "education": "请在“基本情况”中核对最高学历和身份证号码（出生日期）；如确不符合，不能申报本级别。",
    "work_years": "请在“基本情况”中核对“连续从事科技辅导员工作的起始日期”。",
    "prior_certification": "请在“基本情况 · 已获认证”中填写已取得的认证（级别、年份、颁证协会）。",
    "training_hours": "请在“基本情况 · 培训记录”中补充培训（学时、是否科协系统培训、培训证书编号）。",
    "achievements": "请在申报书中补充符合条件的业绩条目，并核对时间（自报名截止日向前计算）、级别和是否第一指导教师。",
    "excluded_categories": "如“人员类别”填写有误，请在“基本情况”中更正；否则不能申报本级别。",
    "one_level_per_year": "同一年度只能申报一个级别，且申报后不允许更换。",
    "unit_not_barred": "所在单位在取消申报资格期内，不能申报；如工作单位填写有误，请在“基本情况”中更正。",
}

# At start the dossier is still empty, so only criteria the profile already decides can stop a draft; and a
# criterion whose facts are simply not filled in yet is left for the submission check.
_DECIDED_AT_START = {
    "education": lambda p: bool(p.education),
    "work_years": lambda p: p.work_start_date is not None,
    "prior_certification": lambda p: p.prior_certifications.exists(),
    "excluded_categories": lambda p: bool(p.category),
    "one_level_per_year": lambda p: True,
    "unit_not_barred": lambda p: bool(p.employer),
}


def fix_hint(criterion) -> str:
    return FIX_HINTS.get(criterion.kind, "请核对申报材料。")


def blocking_message(criteria, *, when: str) -> str:
    """One Chinese message naming each failed clause, what the engine found and what to fix."""
    parts = [f"{c.message_zh} {fix_hint(c)}" for c in criteria]
    return f"未满足报名条件，{when}：" + "；".join(parts)


def start_blockers(*, result, profile) -> list:
    """Failed regular criteria that the profile alone already decides (no dossier yet)."""
    if profile is None:
        return []
    return [c for c in result.failed if c.kind in _DECIDED_AT_START and _DECIDED_AT_START[c.kind](profile)]


def submission_blockers(*, result, track: str) -> list:
    """What stops a submission: any failed regular criterion; for the exceptional track, the declaration
    and the exceptional condition itself (its regular criteria are not required)."""
    if track == Application.Track.EXCEPTIONAL:
        blockers = [c for c in result.failed if c.kind == "declaration"]
        if not result.exceptional:
            blockers += [c for c in result.exceptional_results if c.outcome == engine.Outcome.FAILED]
        return blockers
    return list(result.failed)


def check_application(*, application, profile, now: dt.datetime):
    """The engine's result for this application with its dossier entries, on the day of `now`."""
    return self_check(profile=profile, campaign=application.campaign, entries=list(application.entries.all()),
                      today=timezone.localdate(now))


def result_snapshot(result, *, track: str, computed_at: dt.datetime) -> dict:
    """The shape documented on `Application.eligibility_result`."""
    def one(c):
        return {"code": c.code, "clause": c.clause, "outcome": c.outcome, "explanation": c.message_zh,
                "text": c.text, "kind": c.kind}

    return {"computed_at": timezone.localtime(computed_at).isoformat(), "track": track,
            "outcome": result.outcome, "criteria": [one(c) for c in result.criteria],
            "exceptional": [one(c) for c in result.exceptional_results]}
