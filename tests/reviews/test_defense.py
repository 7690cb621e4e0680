"""The defense: panels with the conflict rule, balanced automatic and manual scheduling, the announcement with an
.ics file, panel scores and their aggregation into the defense stage score."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from applicants.models import Application
from certification.models import AuditEntry, Authority, Notification
from reviews import defense_services as ds
from reviews.models import DefenseBooking, DefenseScore, DefenseSettings, ExpertConflict, StageScore

pytestmark = pytest.mark.django_db
S = Application.Status
D = Decimal


def at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime(2023, 9, day, hour, minute))


UNITS = ["南京市第一中学", "北京大学", "复旦大学", "清华大学", "浙江大学", "武汉大学", "南京市 第一中学"]


@pytest.fixture
def make_expert(senior, national_secretariat):
    from reviews.services import expert_create

    counter = {"n": 0}

    def make(unit, *, authority=None, **extra):
        counter["n"] += 1
        return expert_create(authority=authority or senior.authority, actor=national_secretariat,
                             email=f"expert{counter['n']}@example.cn", full_name=f"专家{counter['n']}", unit=unit,
                             **extra)

    return make


@pytest.fixture
def experts(make_expert):
    """Seven experts of the national association's pool; expert 1 (and 7) work at 南京市第一中学."""
    return [make_expert(unit) for unit in UNITS]


@pytest.fixture
def panels(senior, experts, national_secretariat):
    """Two panels of 3."""
    one = ds.panel_create(campaign=senior, name="第一答辩组", actor=national_secretariat)
    two = ds.panel_create(campaign=senior, name="第二答辩组", actor=national_secretariat)
    for expert in experts[:3]:
        ds.panel_member_add(panel=one, expert=expert, actor=national_secretariat)
    for expert in experts[3:6]:
        ds.panel_member_add(panel=two, expert=expert, actor=national_secretariat)
    for panel in (one, two):
        for i in range(3):
            ds.slot_create(panel=panel, starts_at=at(10, 9 + i), ends_at=at(10, 9 + i, 30),
                           meeting_url=f"https://meeting.example.cn/{panel.pk}-{i}", capacity=1,
                           actor=national_secretariat)
    return one, two


def test_automatic_schedule_is_balanced_and_respects_conflicts(senior, scored, panels, national_secretariat):
    one, two = panels
    same_unit = scored(senior, S.SHORTLISTED, unit="南京市第一中学")
    others = [scored(senior, S.SHORTLISTED, unit=f"第{i}中学") for i in range(4)]
    scored(senior, S.NOT_SHORTLISTED)  # never scheduled
    result = ds.schedule_automatically(campaign=senior, actor=national_secretariat)
    assert len(result["scheduled"]) == 5 and result["unscheduled"] == []
    bookings = {b.application_id: b for b in DefenseBooking.objects.select_related("slot")}
    assert bookings[same_unit.pk].slot.panel == two  # expert 1 of panel one is of the same unit
    loads = sorted(DefenseBooking.objects.filter(slot__panel=p).count() for p in panels)
    assert loads == [2, 3]
    # Earliest free slot first, one applicant per slot.
    assert len({b.slot_id for b in bookings.values()}) == 5
    assert all(b.automatic for b in bookings.values())
    # A second run has nobody left to place.
    assert ds.schedule_automatically(campaign=senior, actor=national_secretariat)["scheduled"] == []
    assert AuditEntry.objects.for_object(others[0]).filter(action="reviews.defense.scheduled").exists()


def test_nobody_fits_when_every_panel_has_a_conflict(senior, scored, panels, experts, national_secretariat):
    one, two = panels
    ds.panel_member_add(panel=two, expert=experts[6], actor=national_secretariat)  # "南京市 第一中学"
    a = scored(senior, S.SHORTLISTED, unit="南京市第一中学")
    result = ds.schedule_automatically(campaign=senior, actor=national_secretariat)
    assert result["unscheduled"] == [a]
    with pytest.raises(ValidationError, match="该答辩组评委需回避：专家1：专家与申请人同一单位"):
        ds.schedule_by_hand(application=a, slot=one.slots.first(), actor=national_secretariat)


def test_the_applicant_themself_and_declared_conflicts_are_conflicts(senior, scored, panels, experts, make_expert,
                                                                     national_secretariat):
    one, two = panels
    a = scored(senior, S.SHORTLISTED, user=experts[1].user)  # expert 2 also applies
    with pytest.raises(ValidationError, match="专家本人即申请人"):
        ds.schedule_by_hand(application=a, slot=one.slots.first(), actor=national_secretariat)
    # An expert's declared unit and a conflict declared on the application (the portfolio review's rule).
    b = scored(senior, S.SHORTLISTED, unit="某区教师发展中心")
    ds.panel_member_add(panel=one, expert=make_expert("某大学", conflict_units=["某区教师发展中心"]),
                        actor=national_secretariat)
    with pytest.raises(ValidationError, match="专家声明回避申请人所在单位"):
        ds.schedule_by_hand(application=b, slot=one.slots.first(), actor=national_secretariat)
    ExpertConflict.objects.create(expert=experts[3], application=b, reason="曾共同主持课题")
    with pytest.raises(ValidationError, match="专家已声明与该申请存在利益冲突"):
        ds.schedule_by_hand(application=b, slot=two.slots.first(), actor=national_secretariat)
    assert not DefenseBooking.objects.exists()


def test_manual_schedule_moves_refuses_a_full_slot_and_a_late_conflicting_judge(senior, scored, panels, make_expert,
                                                                               national_secretariat):
    one, two = panels
    a = scored(senior, S.SHORTLISTED, unit="某中学")
    b = scored(senior, S.SHORTLISTED, unit="另一中学")
    slot = one.slots.first()
    ds.schedule_by_hand(application=a, slot=slot, actor=national_secretariat)
    with pytest.raises(ValidationError, match="该答辩时段已满"):
        ds.schedule_by_hand(application=b, slot=slot, actor=national_secretariat)
    moved = ds.schedule_by_hand(application=a, slot=two.slots.last(), actor=national_secretariat)
    assert DefenseBooking.objects.get(application=a).slot == two.slots.last() and not moved.automatic
    # Adding a judge of a's unit to a's panel afterwards is refused; so is an expert of another authority's pool.
    with pytest.raises(ValidationError, match="存在回避关系"):
        ds.panel_member_add(panel=two, expert=make_expert("某中学"), actor=national_secretariat)
    jiangsu = Authority.objects.get(name="江苏省青少年科技教育协会")
    with pytest.raises(ValidationError, match="只能选择本认证机构专家库中在库的评审专家"):
        ds.panel_member_add(panel=two, expert=make_expert("甲大学", authority=jiangsu), actor=national_secretariat)
    not_shortlisted = scored(senior, S.NOT_SHORTLISTED)
    with pytest.raises(ValidationError, match="只有入围答辩的申请"):
        ds.schedule_by_hand(application=not_shortlisted, slot=one.slots.last(), actor=national_secretariat)


def test_announcement_mails_the_slot_with_an_ics_file(senior, scored, panels, national_secretariat,
                                                      django_capture_on_commit_callbacks):
    a = scored(senior, S.SHORTLISTED)
    ds.schedule_automatically(campaign=senior, actor=national_secretariat)
    booking = DefenseBooking.objects.select_related("slot").get(application=a)
    with django_capture_on_commit_callbacks(execute=True):
        assert ds.schedule_announce(campaign=senior, actor=national_secretariat) == 1
    note = Notification.objects.get(template="defense_scheduled")
    assert note.status == Notification.Status.SENT and booking.slot.meeting_url in note.body
    assert "2023年09月10日 09:00" in note.body
    message = mail.outbox[-1]
    (name, content, mimetype), = message.attachments
    assert (name, mimetype) == ("defense.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.slot.starts_at
    assert event.decoded("dtend") == booking.slot.ends_at
    assert str(event["location"]) == booking.slot.meeting_url
    assert a.number in str(event["description"])
    # Already told: a second announcement sends nothing; moving the slot makes it due again.
    assert ds.schedule_announce(campaign=senior, actor=national_secretariat) == 0
    ds.schedule_by_hand(application=a, slot=panels[1].slots.last(), actor=national_secretariat)
    assert ds.schedule_announce(campaign=senior, actor=national_secretariat) == 1


@pytest.fixture
def booked(senior, scored, panels, national_secretariat):
    one, _ = panels
    a = scored(senior, S.SHORTLISTED, portfolio=80, exam=70)
    ds.schedule_by_hand(application=a, slot=one.slots.first(), actor=national_secretariat)
    return a


def test_scores_of_a_three_judge_panel_are_averaged_once_all_are_in(booked, experts):
    ds.defense_score_submit(application=booked, expert=experts[0], score="80")
    ds.defense_score_submit(application=booked, expert=experts[1], score="85.5")
    assert not StageScore.objects.filter(application=booked, stage="defense").exists()
    ds.defense_score_submit(application=booked, expert=experts[2], score=91)
    s = StageScore.objects.get(application=booked, stage="defense")
    assert s.score == D("85.50")  # (80 + 85.5 + 91) / 3 = 85.5 (fewer than 5 judges: nothing dropped)
    assert s.detail["dropped"] == [] and s.detail["panel"] == "第一答辩组"
    # A judge corrects their score: the stage score follows.
    ds.defense_score_submit(application=booked, expert=experts[2], score=92)
    s.refresh_from_db()
    assert s.score == D("85.83")  # 257.5 / 3 = 85.8333…


def test_five_judges_drop_the_highest_and_lowest_unless_the_campaign_says_mean(booked, panels, experts, senior,
                                                                              make_expert, national_secretariat):
    one, _ = panels
    extra = panels[1].members.first().expert  # not on panel one
    fourth, fifth = make_expert("中山大学"), make_expert("四川大学")
    for e in (fourth, fifth):
        ds.panel_member_add(panel=one, expert=e, actor=national_secretariat)
    for expert, score in zip([experts[0], experts[1], experts[2], fourth, fifth], [60, 80, 82, 84, 99],
                             strict=True):
        ds.defense_score_submit(application=booked, expert=expert, score=score)
    s = StageScore.objects.get(application=booked, stage="defense")
    assert s.score == D("82.00")  # drop 60 and 99: (80 + 82 + 84) / 3
    assert s.detail["dropped"] == ["60.00", "99.00"]
    ds.settings_save(campaign=senior, aggregation=DefenseSettings.Aggregation.MEAN, actor=national_secretariat)
    s.refresh_from_db()
    assert s.score == D("81.00")  # (60 + 80 + 82 + 84 + 99) / 5
    with pytest.raises(ValidationError, match="您不是该申请人所在答辩组的评委"):
        ds.defense_score_submit(application=booked, expert=extra, score=70)


@pytest.mark.parametrize("score, message", [
    ("100.01", "答辩评分必须在0到100之间"), ("-1", "答辩评分必须在0到100之间"), ("abc", "必须是0到100之间的数字"),
    ("NaN", "答辩评分必须在0到100之间"),
])
def test_bad_defense_scores_are_refused_and_nothing_is_saved(booked, experts, score, message):
    with pytest.raises(ValidationError, match=message):
        ds.defense_score_submit(application=booked, expert=experts[0], score=score)
    assert not DefenseScore.objects.exists()


def test_a_score_from_an_expert_not_on_that_panel_is_refused(senior, scored, booked, experts, make_expert):
    outsider = make_expert("某研究所")
    for expert in (outsider, experts[3], None):  # no panel at all; the other panel; an account not in the pool
        with pytest.raises(ValidationError, match="您不是该申请人所在答辩组的评委，不能为其评分。"):
            ds.defense_score_submit(application=booked, expert=expert, score=80)
    unbooked = scored(senior, S.SHORTLISTED)
    with pytest.raises(ValidationError, match="不是该申请人所在答辩组的评委"):
        ds.defense_score_submit(application=unbooked, expert=experts[0], score=80)
    assert not DefenseScore.objects.exists()


def test_absent_applicant(booked, experts, national_secretariat):
    ds.defense_mark_absent(application=booked, actor=national_secretariat)
    s = StageScore.objects.get(application=booked, stage="defense")
    assert s.absent and s.score is None
    with pytest.raises(ValidationError, match="已登记为答辩缺席"):
        ds.defense_score_submit(application=booked, expert=experts[0], score=80)


def test_aggregation_rule_itself():
    trimmed = DefenseSettings.Aggregation.TRIMMED_WHEN_FIVE
    assert ds.aggregate_scores([D(70), D(71), D(72), D(73)], trimmed) == (D("71.50"), [])
    assert ds.aggregate_scores([D(1), D(70), D(70), D(71), D(100)], trimmed) == (D("70.33"), [D(1), D(100)])
    assert ds.aggregate_scores([D("80.005")], DefenseSettings.Aggregation.MEAN) == (D("80.01"), [])
