"""Thin adapter from applicant data to the shared eligibility engine (`certification.eligibility`).

The engine owns the rules; this module only gathers an applicant's facts. The facts object is built from
whatever fields the engine's `ApplicantFacts` declares, so the two can evolve separately.
"""

import dataclasses
import datetime as dt

from django.utils import timezone

from . import catalogue


def _engine():
    try:
        from certification import eligibility
    except ImportError:  # the engine lands separately; the page then lists the criteria to check by hand
        return None
    return eligibility


def gather_facts(*, profile, entries=(), today: dt.date | None = None) -> dict:
    """Everything the applicant told us, in the engine's words."""
    achievements = []
    for entry in entries:
        item = catalogue.item_for(entry.application.level, entry.item_code)
        for category in (item.categories if item else ()):
            achievements.append({"category": category, "date": entry.occurred_on, "item_code": entry.item_code,
                                 "title": next(iter(entry.fields.values()), "")})
    trainings = list(profile.trainings.all()) if profile else []
    return {
        "declaration_accepted": bool(profile and profile.declaration_accepted),
        "declaration": bool(profile and profile.declaration_accepted),
        "birth_date": profile.birth_date if profile else None,
        "education": profile.education if profile else "",
        "work_start_date": profile.work_start_date if profile else None,
        "part_time": bool(profile and profile.part_time),
        "category": profile.category if profile else "",
        "employer": profile.employer if profile else "",
        "province_code": profile.province.code if profile and profile.province_id else "",
        "is_member": bool(profile and profile.is_member),
        "prior_certifications": [
            {"level": c.level, "year": c.year, "authority": c.authority_name}
            for c in (profile.prior_certifications.all() if profile else [])],
        "trainings": [
            {"name": t.name, "hours": t.hours, "by_cast": t.by_cast, "certificate": bool(t.certificate_number),
             "date": t.held_on} for t in trainings],
        "training_hours": sum((t.hours for t in trainings), 0),
        "cast_training_hours": sum((t.hours for t in trainings if t.by_cast), 0),
        "has_training_certificate": any(t.certificate_number for t in trainings),
        "achievements": achievements,
        "honours": [
            {"kind": h.kind, "title": h.title, "contest": h.contest, "award": h.award, "year": h.year}
            for h in (profile.honours.all() if profile else [])],
        "unit_barred": False,
        "today": today or timezone.localdate(),
    }


def _facts_object(engine, raw: dict):
    facts_cls = getattr(engine, "ApplicantFacts", None)
    if facts_cls is None or not dataclasses.is_dataclass(facts_cls):
        return raw
    names = {f.name for f in dataclasses.fields(facts_cls)}
    return facts_cls(**{k: v for k, v in raw.items() if k in names})


def self_check(*, profile, campaign, entries=(), today: dt.date | None = None):
    """The engine's per-criterion result for this campaign, or None while the engine is not installed."""
    engine = _engine()
    if engine is None or not hasattr(engine, "evaluate"):
        return None
    raw = gather_facts(profile=profile, entries=entries, today=today)
    return engine.evaluate(campaign_rules=campaign.eligibility_rules, campaign_level=campaign.level,
                           campaign_year=campaign.year, application_deadline=campaign.application_end,
                           facts=_facts_object(engine, raw), today=today)


def open_levels(*, profile, campaigns, today: dt.date | None = None):
    """Which levels the engine says are open to this applicant, or None while it is not installed."""
    engine = _engine()
    helper = engine and next((getattr(engine, n) for n in ("levels_open_to", "open_levels", "eligible_levels")
                              if hasattr(engine, n)), None)
    if helper is None:
        return None
    raw = gather_facts(profile=profile, today=today)
    try:
        return helper(facts=_facts_object(engine, raw), campaigns=campaigns, today=today)
    except TypeError:
        return None


STATUS_LABELS = {"passed": "符合", "failed": "不符合", "needs_review": "需人工审核"}


def _get(obj, *names, default=None):
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def rows(result) -> list[dict]:
    """The engine's result as rows for a template, whatever container it uses."""
    if result is None:
        return []
    items = _get(result, "criteria", "results", "items", default=result)
    out = []
    for item in items if not isinstance(items, dict) else items.values():
        status = _get(item, "status", "outcome", "result", default="")
        status = str(getattr(status, "value", status)).lower()
        out.append({
            "code": _get(item, "code", default=""),
            "text": _get(item, "text", "criterion", "title", default=""),
            "status": status, "label": STATUS_LABELS.get(status, status),
            "message": _get(item, "message", "messages", "explanation", "detail", default=""),
        })
    return out


def overall(result) -> str:
    status = _get(result, "status", "outcome", "overall", default="")
    status = str(getattr(status, "value", status)).lower()
    return STATUS_LABELS.get(status, "")
