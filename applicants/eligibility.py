"""From applicant data to the shared eligibility engine (`certification.eligibility`).

The engine owns the rules and is pure; this module only gathers an applicant's facts from the profile and
the dossier, so the self-check page and the secretariat's review get the same answer.
"""

import dataclasses
import datetime as dt

from django.utils import timezone

from certification import eligibility as engine
from certification import selectors as certification_selectors
from certification.models import Campaign

from . import catalogue
from .models import Application, Honour

# Tables whose title says "作为第一指导教师".
FIRST_SUPERVISOR_ITEMS = {"B1", "E1"}


def gather_facts(*, profile, entries=(), level: str | None = None) -> engine.ApplicantFacts:
    if profile is None:
        return engine.ApplicantFacts()
    achievements = []
    for entry in entries:
        item = catalogue.item_for(level or entry.application.level, entry.item_code)
        for category in (item.categories if item else ()):
            achievements.append(engine.Achievement(
                category=category, date=entry.occurred_on, scope=entry.scope or None,
                as_first_supervisor=entry.item_code in FIRST_SUPERVISOR_ITEMS,
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
    return list(Application.objects.filter(applicant=user).exclude(status=Application.Status.WITHDRAWN)
                .only("campaign_id", "level", "year"))


def self_check(*, profile, campaign: Campaign, entries=(), today: dt.date | None = None):
    """The engine's per-criterion result for this campaign (same-year applications elsewhere included)."""
    facts = gather_facts(profile=profile, entries=entries, level=campaign.level)
    if profile is not None:
        others = tuple(a.level for a in _active_applications(profile.user)
                       if a.year == campaign.year and a.campaign_id != campaign.pk)
        facts = dataclasses.replace(facts, other_applications_this_year=others)
    return engine.evaluate_campaign(campaign=campaign, facts=facts, today=today or timezone.localdate())


def open_levels(*, profile, campaigns, today: dt.date | None = None) -> list:
    """Campaigns (open now) whose criteria this applicant may apply under, lowest level first."""
    if profile is None:
        return []
    facts = gather_facts(profile=profile)
    results = engine.levels_open_to(facts, campaigns, active_applications=_active_applications(profile.user),
                                    today=today or timezone.localdate())
    return [e for e in results if e.result.may_apply]


def rows(result) -> list[dict]:
    if result is None:
        return []
    return [{"code": c.code, "clause": c.clause, "text": c.text, "status": c.outcome,
             "label": engine.Outcome(c.outcome).label, "message": c.message_zh, "example": c.example}
            for c in (*result.criteria, *result.exceptional_results)]


def overall(result) -> str:
    return engine.Outcome(result.outcome).label if result is not None else ""
