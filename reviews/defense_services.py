"""The defense: panels, slots, the schedule (automatic and by hand), the announcement with an .ics file, the panel
members' scores and their aggregation into `StageScore(stage="defense")`.

Panel members are the campaign authority's experts (`reviews.Expert`), and the portfolio review's conflict rule
applies unchanged (`reviews.services` decides it): not the applicant themself, not the applicant's unit, not a unit
the expert declared, not an application the expert declared a conflict with.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from applicants.models import Application
from certification.models import Campaign
from certification.notifications import notify_user
from certification.workflow import audit

from . import services as review_services
from .defense_models import (
    DefenseBooking,
    DefensePanel,
    DefensePanelMember,
    DefenseScore,
    DefenseSettings,
    DefenseSlot,
)
from .models import Expert, ExpertConflict, Stage, StageScore
from .ranking_models import RankingRound

S = Application.Status
TWO = Decimal("0.01")


# --- rules ----------------------------------------------------------------------------------------------

def settings_for(campaign: Campaign) -> DefenseSettings:
    obj, _ = DefenseSettings.objects.get_or_create(campaign=campaign)
    return obj


def settings_save(*, campaign: Campaign, aggregation: str, actor) -> DefenseSettings:
    _require_open(campaign)
    obj = settings_for(campaign)
    obj.aggregation = aggregation
    obj.full_clean()
    obj.save()
    audit(subject=obj, action="reviews.defense.settings_changed", actor=actor, to_state=aggregation)
    for application in Application.objects.filter(defense_scores__isnull=False, campaign=campaign).distinct():
        defense_aggregate(application=application)
    return obj


def aggregate_scores(scores: list[Decimal], aggregation: str) -> tuple[Decimal, list[Decimal]]:
    """(the panel's score, the scores dropped). Trimmed: with 5 or more judges the single highest and single lowest
    are dropped; the mean is rounded half up to 2 decimals."""
    ordered = sorted(Decimal(s) for s in scores)
    dropped = []
    if aggregation == DefenseSettings.Aggregation.TRIMMED_WHEN_FIVE and len(ordered) >= 5:
        dropped = [ordered[0], ordered[-1]]
        ordered = ordered[1:-1]
    mean = (sum(ordered) / len(ordered)).quantize(TWO, rounding=ROUND_HALF_UP)
    return mean, dropped


def declared_conflicts(applications) -> set[tuple[int, int]]:
    """(expert pk, application pk) of every conflict experts declared on these applications, in one query."""
    return set(ExpertConflict.objects.filter(application__in=applications).values_list("expert_id", "application_id"))


def conflict_reason(*, expert: Expert, application: Application, declared: set | None = None) -> str:
    """Why `expert` may not judge `application` ("" when they may): the portfolio review's rule, reused."""
    if declared is None:
        declared = declared_conflicts([application])
    return review_services._conflicts(expert, application, declared=declared)


def panel_conflicts(panel: DefensePanel, application: Application, members=None, declared=None) -> list[str]:
    members = members if members is not None else list(panel.members.select_related("expert"))
    declared = declared_conflicts([application]) if declared is None else declared
    out = []
    for m in members:
        reason = conflict_reason(expert=m.expert, application=application, declared=declared)
        if reason:
            out.append(f"{m.expert.full_name}：{reason}")
    return out


def _require_open(campaign: Campaign):
    if not campaign.has_defense:
        raise ValidationError("该认证活动不设答辩。")
    if RankingRound.objects.filter(campaign=campaign, status=RankingRound.Status.PUBLISHED).exists():
        raise ValidationError("认证结果已公布，答辩安排和成绩不能再修改。", code="frozen")


# --- panels and slots -----------------------------------------------------------------------------------

def panel_create(*, campaign: Campaign, name: str, actor) -> DefensePanel:
    _require_open(campaign)
    panel = DefensePanel(campaign=campaign, name=name.strip())
    panel.full_clean()
    panel.save()
    audit(subject=panel, action="reviews.defense.panel_created", actor=actor, reason=panel.name)
    return panel


def panel_member_add(*, panel: DefensePanel, expert: Expert, actor) -> DefensePanelMember:
    _require_open(panel.campaign)
    if expert.authority_id != panel.campaign.authority_id or not expert.active:
        raise ValidationError("只能选择本认证机构专家库中在库的评审专家。")
    with transaction.atomic():
        DefensePanel.objects.select_for_update().get(pk=panel.pk)
        member = DefensePanelMember(panel=panel, expert=expert)
        member.full_clean()
        booked = Application.objects.filter(defense_booking__slot__panel=panel).select_related(
            "applicant__applicant_profile")
        clashes = [f"{a.number}（{r}）" for a in booked if (r := conflict_reason(expert=expert, application=a))]
        if clashes:
            raise ValidationError("该专家与本组已安排的申请人存在回避关系：" + "、".join(clashes) + "。")
        member.save()
        audit(subject=panel, action="reviews.defense.member_added", actor=actor, reason=str(expert))
    return member


def slot_create(*, panel: DefensePanel, starts_at: dt.datetime, ends_at: dt.datetime, meeting_url: str,
                capacity: int = 1, actor) -> DefenseSlot:
    _require_open(panel.campaign)
    slot = DefenseSlot(panel=panel, starts_at=starts_at, ends_at=ends_at, meeting_url=meeting_url.strip(),
                       capacity=capacity)
    slot.full_clean()
    slot.save()
    audit(subject=panel, action="reviews.defense.slot_created", actor=actor,
          reason=f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(ends_at):%H:%M}")
    return slot


# --- the schedule ---------------------------------------------------------------------------------------

def _book(*, application: Application, slot: DefenseSlot, actor, automatic: bool) -> DefenseBooking:
    booking = DefenseBooking.objects.filter(application=application).first() or DefenseBooking(application=application)
    booking.slot = slot
    booking.assigned_by = actor if getattr(actor, "is_authenticated", False) else None
    booking.automatic = automatic
    booking.notified_at = None  # a new or moved slot is announced again
    booking.save()
    audit(subject=application, action="reviews.defense.scheduled", actor=actor,
          reason=f"{slot.panel.name} {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}")
    return booking


def schedule_by_hand(*, application: Application, slot: DefenseSlot, actor) -> DefenseBooking:
    """Place (or move) one shortlisted applicant into a slot: refused when full or when a judge must recuse."""
    campaign = slot.panel.campaign
    _require_open(campaign)
    if application.campaign_id != campaign.pk:
        raise ValidationError("该申请不属于本认证活动。")
    if application.status != S.SHORTLISTED:
        raise ValidationError("只有入围答辩的申请才能安排答辩时段。")
    with transaction.atomic():
        slot = DefenseSlot.objects.select_for_update().select_related("panel").get(pk=slot.pk)
        taken = slot.bookings.exclude(application=application).count()
        if taken >= slot.capacity:
            raise ValidationError("该答辩时段已满。")
        clashes = panel_conflicts(slot.panel, application)
        if clashes:
            raise ValidationError("该答辩组评委需回避：" + "；".join(clashes) + "。")
        if DefenseScore.objects.filter(application=application).exists():
            raise ValidationError("该申请人已有答辩评分，不能再调整时段。")
        return _book(application=application, slot=slot, actor=actor, automatic=False)


def schedule_automatically(*, campaign: Campaign, actor) -> dict:
    """Place every shortlisted, not yet scheduled applicant: the panel with the fewest applicants among those with
    a free slot and no judge to recuse, then that panel's earliest free slot. Returns {scheduled, unscheduled}."""
    _require_open(campaign)
    with transaction.atomic():
        panels = list(DefensePanel.objects.select_for_update().filter(campaign=campaign).order_by("pk"))
        members = {p.pk: list(p.members.select_related("expert")) for p in panels}
        slots = {p.pk: list(DefenseSlot.objects.filter(panel=p).annotate(n=Count("bookings"))
                            .order_by("starts_at", "pk")) for p in panels}
        free = {s.pk: s.capacity - s.n for ss in slots.values() for s in ss}
        load = {p.pk: sum(s.n for s in slots[p.pk]) for p in panels}
        waiting = (Application.objects.filter(campaign=campaign, status=S.SHORTLISTED, defense_booking__isnull=True)
                   .select_related("applicant__applicant_profile").order_by("number", "pk"))
        waiting = list(waiting)
        declared = declared_conflicts(waiting)
        scheduled, unscheduled = [], []
        for application in waiting:
            candidates = [p for p in panels
                          if any(free[s.pk] > 0 for s in slots[p.pk])
                          and not panel_conflicts(p, application, members[p.pk], declared)]
            if not candidates:
                unscheduled.append(application)
                continue
            panel = min(candidates, key=lambda p: (load[p.pk], p.pk))
            slot = next(s for s in slots[panel.pk] if free[s.pk] > 0)
            _book(application=application, slot=slot, actor=actor, automatic=True)
            free[slot.pk] -= 1
            load[panel.pk] += 1
            scheduled.append(application)
    return {"scheduled": scheduled, "unscheduled": unscheduled}


def booking_ics(booking: DefenseBooking) -> str:
    """The slot as an iCalendar (RFC 5545) event, with the meeting link as location and URL."""
    from icalendar import Calendar, Event

    slot, campaign = booking.slot, booking.application.campaign
    cal = Calendar()
    cal.add("prodid", "-//kjfdy//defense//ZH-CN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"defense-{booking.application_id}@kjfdy")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", f"{campaign.title} 答辩（{slot.panel.name}）")
    event.add("location", slot.meeting_url)
    event.add("url", slot.meeting_url)
    event.add("description", f"申报编号 {booking.application.number}。请提前10分钟进入视频会议：{slot.meeting_url}")
    cal.add_component(event)
    return cal.to_ical().decode()


def schedule_announce(*, campaign: Campaign, actor) -> int:
    """E-mail every scheduled applicant not yet told (or moved since) their slot, with the .ics attached."""
    _require_open(campaign)
    count = 0
    with transaction.atomic():
        bookings = (DefenseBooking.objects.select_for_update()
                    .filter(application__campaign=campaign, notified_at__isnull=True))
        for booking in bookings.select_related("slot__panel", "application__campaign", "application__applicant"):
            notify_user(user=booking.application.applicant, template="defense_scheduled",
                        context={"booking": booking, "slot": booking.slot, "application": booking.application},
                        attachments=[{"filename": "defense.ics", "mimetype": "text/calendar",
                                      "content": booking_ics(booking)}])
            booking.notified_at = timezone.now()
            booking.save(update_fields=["notified_at"])
            audit(subject=booking.application, action="reviews.defense.announced", actor=actor,
                  reason=f"{timezone.localtime(booking.slot.starts_at):%Y-%m-%d %H:%M}")
            count += 1
        settings = settings_for(campaign)
        settings.schedule_announced_at = timezone.now()
        settings.save(update_fields=["schedule_announced_at"])
    return count


# --- scores ---------------------------------------------------------------------------------------------

def defense_score_submit(*, application: Application, expert: Expert | None, score) -> DefenseScore:
    """A panel member's 0–100 score. Refused for anyone not on the applicant's panel, a judge who must recuse,
    a score out of range, an absent applicant, or after publication. Nothing partial is saved."""
    try:
        value = Decimal(str(score)).quantize(TWO, rounding=ROUND_HALF_UP)
    except (ArithmeticError, ValueError):
        raise ValidationError("答辩评分必须是0到100之间的数字。") from None
    if not value.is_finite() or not (Decimal(0) <= value <= Decimal(100)):
        raise ValidationError("答辩评分必须在0到100之间。")
    _require_open(application.campaign)
    with transaction.atomic():
        booking = (DefenseBooking.objects.select_for_update().select_related("slot__panel")
                   .filter(application=application).first())
        member = booking and expert and DefensePanelMember.objects.filter(panel=booking.slot.panel,
                                                                          expert=expert).first()
        if not member:
            raise ValidationError("您不是该申请人所在答辩组的评委，不能为其评分。", code="not_on_panel")
        if application.status != S.SHORTLISTED:
            raise ValidationError("该申请不在答辩阶段。")
        reason = conflict_reason(expert=expert, application=application)
        if reason:
            raise ValidationError(f"您需要回避：{reason}。")
        if StageScore.objects.filter(application=application, stage=Stage.DEFENSE, absent=True).exists():
            raise ValidationError("该申请人已登记为答辩缺席。")
        row, _ = DefenseScore.objects.update_or_create(application=application, expert=expert,
                                                       defaults={"score": value})
        row.full_clean()
        audit(subject=application, action="reviews.defense.scored", actor=expert.user)
        defense_aggregate(application=application)
    return row


def defense_aggregate(*, application: Application) -> StageScore | None:
    """Once every member of the applicant's panel has scored, the campaign's rule gives the defense score."""
    booking = DefenseBooking.objects.select_related("slot__panel").filter(application=application).first()
    if booking is None:
        return None
    members = list(booking.slot.panel.members.values_list("expert_id", flat=True))
    scores = dict(DefenseScore.objects.filter(application=application, expert_id__in=members)
                  .values_list("expert_id", "score"))
    if not members or len(scores) < len(members):
        return None
    rule = settings_for(application.campaign).aggregation
    value, dropped = aggregate_scores(list(scores.values()), rule)
    detail = {"rule": rule, "rule_label": DefenseSettings.Aggregation(rule).label,
              "scores": [str(s) for s in sorted(scores.values())], "dropped": [str(s) for s in dropped],
              "panel": booking.slot.panel.name}
    stage_score, _ = StageScore.objects.update_or_create(
        application=application, stage=Stage.DEFENSE, defaults={"score": value, "absent": False, "detail": detail})
    stage_score.full_clean()
    audit(subject=application, action="reviews.defense.aggregated", actor=None, reason=f"答辩成绩{value}分")
    return stage_score


def defense_mark_absent(*, application: Application, actor) -> StageScore:
    _require_open(application.campaign)
    if application.status != S.SHORTLISTED:
        raise ValidationError("该申请不在答辩阶段。")
    if DefenseScore.objects.filter(application=application).exists():
        raise ValidationError("已有评委为该申请人评分，不能登记缺席。")
    stage_score, _ = StageScore.objects.update_or_create(
        application=application, stage=Stage.DEFENSE, defaults={"score": None, "absent": True,
                                                                 "detail": {"absent": True}})
    audit(subject=application, action="reviews.defense.absent", actor=actor)
    return stage_score
