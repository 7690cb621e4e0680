"""Writes for campaigns. Every state change goes through `campaign_transition`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import BarredUnit, Campaign, Role, User, normalize_unit_name
from .notifications import notify_user
from .workflow import audit, transition

CAMPAIGN_TRANSITIONS = {
    Campaign.Status.DRAFT: {Campaign.Status.PUBLISHED},
    Campaign.Status.PUBLISHED: {Campaign.Status.CLOSED, Campaign.Status.DRAFT},
    Campaign.Status.CLOSED: set(),
}


def campaign_can_move(campaign: Campaign, *, to: str) -> bool:
    """Whether the campaign's transition table allows the move now (what `transition()` will check)."""
    return to in CAMPAIGN_TRANSITIONS.get(campaign.status, ())


def _notify_campaign_staff(campaign: Campaign, template: str) -> None:
    staff = User.objects.filter(
        authority_id=campaign.authority_id, is_active=True,
        role__in=[Role.PROVINCIAL_SECRETARIAT, Role.NATIONAL_SECRETARIAT],
    )
    for person in staff:
        notify_user(user=person, template=template, context={"campaign": campaign})


def campaign_publish(*, campaign: Campaign, actor, reason: str = "") -> Campaign:
    return transition(
        instance=campaign, to=Campaign.Status.PUBLISHED, actor=actor, allowed=CAMPAIGN_TRANSITIONS,
        action="certification.campaign.published", reason=reason,
        notify=lambda c: _notify_campaign_staff(c, "campaign_published"),
    )


def campaign_unpublish(*, campaign: Campaign, actor, reason: str) -> Campaign:
    """Back to draft: applicants may already have seen it, so the secretariat must say why."""
    if not (reason or "").strip():
        raise ValidationError("撤回发布必须填写原因。", code="reason_required")
    return transition(
        instance=campaign, to=Campaign.Status.DRAFT, actor=actor, allowed=CAMPAIGN_TRANSITIONS,
        action="certification.campaign.unpublished", reason=reason,
    )


def campaign_close(*, campaign: Campaign, actor, reason: str = "") -> Campaign:
    return transition(
        instance=campaign, to=Campaign.Status.CLOSED, actor=actor, allowed=CAMPAIGN_TRANSITIONS,
        action="certification.campaign.closed", reason=reason,
        notify=lambda c: _notify_campaign_staff(c, "campaign_closed"),
    )


@transaction.atomic
def campaign_save(*, campaign: Campaign, actor) -> Campaign:
    """Create or edit a campaign's data (never its status) with validation and an audit entry."""
    created = campaign.pk is None
    campaign.full_clean()
    campaign.save()
    audit(subject=campaign, action="certification.campaign.created" if created else "certification.campaign.changed",
          actor=actor, to_state=campaign.status)
    return campaign


@transaction.atomic
def unit_bar(*, name: str, province, reason: str, actor, barred_on=None, years: int = 3):
    """Register a unit as barred for `years` from `barred_on` (today by default), inclusive of both ends."""
    barred_on = barred_on or timezone.localdate()
    try:
        until = barred_on.replace(year=barred_on.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        until = barred_on.replace(year=barred_on.year + years, day=28)
    unit = BarredUnit(name=name.strip(), normalized_name=normalize_unit_name(name), province=province,
                      barred_on=barred_on, barred_until=until, reason=reason, created_by=actor)
    unit.full_clean()
    unit.save()
    audit(subject=unit, action="certification.barred_unit.barred", actor=actor, reason=reason)
    return unit
