"""Issue 7 rules 1–6: what notices 000, 001 and 002 require at start and at submission."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from applicants import eligibility, services
from applicants.models import Application, DossierEntry
from payments.models import MemberRecord, Order

from .conftest import add_honour_entry, pdf_bytes, upload

pytestmark = pytest.mark.django_db
S = Application.Status


def _junior_ready(app, user, *, first_supervisor=None, on=None):
    services.dossier_entry_add(application=app, item_code="E1",
                               fields={"name": "校园科技节", "organiser": "学校", "summary": "指导学生开展科技活动"},
                               occurred_on=on or dt.date.today() - dt.timedelta(days=60),
                               attachment=upload("a.pdf", pdf_bytes()), actor=user, first_supervisor=first_supervisor)
    services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=user)
    return app


def _senior(app, user, **b1):
    services.dossier_entry_add(application=app, item_code="B1",
                               fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协",
                                       "student": "李雷", "project": "水质监测", "award": "一等奖"},
                               occurred_on=b1.pop("on", app.campaign.application_end - dt.timedelta(days=300)),
                               attachment=upload("b1.pdf", pdf_bytes()), actor=user, scope=b1.pop("scope", "national"))
    services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=user)
    return app


# --- rule 1: the level cannot change once submitted (notice 002 二.2 "申报后不允许更换") --------------------

def test_withdrawn_submitted_application_keeps_its_level_for_the_year(demo, applicant, complete_profile):
    complete_profile(applicant)
    junior = _junior_ready(services.application_start(applicant=applicant, campaign=demo["junior"]), applicant)
    services.application_submit(application=junior, actor=applicant)
    services.application_withdraw(application=junior, actor=applicant, reason="想改报中级")
    with pytest.raises(ValidationError, match="申报后不允许更换") as exc:
        services.application_start(applicant=applicant, campaign=demo["intermediate"])
    assert exc.value.code == "level_fixed"
    assert not Application.objects.filter(applicant=applicant, campaign=demo["intermediate"]).exists()
    # The database says the same when the service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(applicant=applicant, campaign=demo["intermediate"], level="intermediate",
                                   year=demo["intermediate"].year)
    # And the self-check no longer advises "如需改报，请先取消原报名".
    result = eligibility.self_check(profile=applicant.applicant_profile, campaign=demo["intermediate"])
    one_level = next(c for c in result.criteria if c.kind == "one_level_per_year")
    assert one_level.outcome == "failed" and "不允许更换" in one_level.message_zh
    assert "如需改报" not in one_level.message_zh


def test_withdrawing_a_never_submitted_draft_frees_the_year(demo, applicant, complete_profile):
    complete_profile(applicant)
    junior = services.application_start(applicant=applicant, campaign=demo["junior"])
    services.application_withdraw(application=junior, actor=applicant)
    intermediate = services.application_start(applicant=applicant, campaign=demo["intermediate"])
    assert intermediate.status == S.DRAFT and intermediate.level == "intermediate"


# --- rule 2: submission checks eligibility ---------------------------------------------------------------

def test_failed_criterion_blocks_submission_naming_clause_and_fix(demo, applicant, complete_profile):
    complete_profile(applicant)
    app = services.application_start(applicant=applicant, campaign=demo["senior"])
    services.dossier_entry_add(application=app, item_code="C6", fields={"name": "a", "place": "b", "summary": "c"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=applicant)
    services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=applicant)
    with pytest.raises(ValidationError) as exc:
        services.application_submit(application=app, actor=applicant)
    message = exc.value.messages[0]
    assert exc.value.code == "ineligible"
    assert "第二条第3款" in message and "未具备任何一项" in message and "请在申报书中补充" in message
    app.refresh_from_db()
    assert app.status == S.DRAFT and app.number is None and app.eligibility_result == {}
    assert not Order.objects.filter(application=app).exists()  # no 500 yuan for a sure rejection


def test_missing_prior_certification_found_at_submission(demo, applicant, complete_profile):
    complete_profile(applicant).prior_certifications.all().delete()
    app = _senior(services.application_start(applicant=applicant, campaign=demo["senior"]), applicant)
    add_honour_entry(app, applicant)
    with pytest.raises(ValidationError, match="第二条第2款：须已取得中级认证.*已获认证"):
        services.application_submit(application=app, actor=applicant)


def test_lower_prior_certification_already_refuses_the_draft(demo, applicant, complete_profile):
    profile = complete_profile(applicant)
    profile.prior_certifications.update(level="junior")
    with pytest.raises(ValidationError, match="不能开始申报：第二条第2款") as exc:
        services.application_start(applicant=applicant, campaign=demo["senior"])
    assert exc.value.code == "ineligible"


def _exclude_kindergarten(campaign):
    campaign.eligibility_rules["criteria"].append(
        {"code": "excluded", "kind": "excluded_categories", "clause": "二、认证级别第4款",
         "categories": ["kindergarten_teacher", "university_student"],
         "text": "幼儿园教师，在高校科学教育相关专业就读的学生无法申报高级认证。"})
    campaign.save()


def test_kindergarten_teacher_cannot_start_or_submit_senior(demo, applicant, complete_profile):
    _exclude_kindergarten(demo["senior"])
    profile = complete_profile(applicant, category="kindergarten_teacher")
    with pytest.raises(ValidationError, match="二、认证级别第4款：幼儿园教师不能申报高级认证"):
        services.application_start(applicant=applicant, campaign=demo["senior"])
    # Started as a school teacher, changed to kindergarten teacher before submitting: refused at submission.
    profile.category = "school_teacher"
    profile.save()
    app = _senior(services.application_start(applicant=applicant, campaign=demo["senior"]), applicant)
    add_honour_entry(app, applicant)
    profile.category = "kindergarten_teacher"
    profile.save()
    with pytest.raises(ValidationError, match="二、认证级别第4款"):
        services.application_submit(application=app, actor=applicant)


def test_barred_unit_cannot_start(demo, applicant, complete_profile):
    from certification.models import Province
    from certification.services import unit_bar

    profile = complete_profile(applicant)
    unit_bar(name=profile.employer, province=Province.objects.get(code="320000"), reason="材料虚假", actor=None)
    with pytest.raises(ValidationError, match="五、注意事项第3款"):
        services.application_start(applicant=applicant, campaign=demo["junior"])


def test_needs_review_passes_and_the_result_is_stored(senior_draft, applicant):
    now = timezone.now().replace(microsecond=0)
    services.application_submit(application=senior_draft, actor=applicant, now=now)
    senior_draft.refresh_from_db()
    stored = senior_draft.eligibility_result
    assert senior_draft.status == S.SUBMITTED
    assert stored["outcome"] == "needs_review" and stored["track"] == "regular"
    assert dt.datetime.fromisoformat(stored["computed_at"]) == now
    by_code = {c["code"]: c for c in stored["criteria"]}
    assert by_code["achievements"]["outcome"] == "needs_review"
    assert by_code["achievements"]["clause"] == "第二条第3款"
    assert "第3.1项" in by_code["achievements"]["explanation"]
    assert by_code["prior_certification"]["outcome"] == "passed"
    assert set(by_code["education"]) >= {"code", "clause", "outcome", "explanation"}


# --- rule 3: a provincial 优秀科技辅导员 honour meets senior 3.2 ---------------------------------------------

def test_provincial_counselor_honour_meets_senior_3_2(demo, applicant, complete_profile):
    complete_profile(applicant)
    app = _senior(services.application_start(applicant=applicant, campaign=demo["senior"]), applicant)
    add_honour_entry(app, applicant, scope="provincial")
    services.application_submit(application=app, actor=applicant)
    app.refresh_from_db()
    achievements = next(c for c in app.eligibility_result["criteria"] if c["code"] == "achievements")
    assert achievements["outcome"] == "passed" and "第3.1项、第3.2项" in achievements["explanation"]


def test_provincial_professional_award_is_not_the_honour(demo, applicant, complete_profile):
    """Only the honour may be provincial; a professional evaluation award must be national (3.2)."""
    complete_profile(applicant)
    app = _senior(services.application_start(applicant=applicant, campaign=demo["senior"]), applicant)
    services.dossier_entry_add(application=app, item_code="B2",
                               fields={"activity": "省教具评比", "organiser": "省科协", "project": "教具",
                                       "award": "一等奖"},
                               occurred_on=dt.date.today() - dt.timedelta(days=100),
                               attachment=upload("b2.pdf", pdf_bytes()), actor=applicant, scope="provincial",
                               achievement_category="professional_award")
    with pytest.raises(ValidationError, match="仅具备第3.1项"):
        services.application_submit(application=app, actor=applicant)


def test_dossier_form_asks_the_b2_kind_and_saves_it(client, demo, applicant, complete_profile):
    complete_profile(applicant)
    app = services.application_start(applicant=applicant, campaign=demo["senior"])
    client.force_login(applicant)
    page = client.get(reverse("applicants:dossier", args=[app.pk])).content.decode()
    assert "优秀科技辅导员（科技教师）表彰奖励" in page
    response = client.post(reverse("applicants:entry_add", args=[app.pk, "B2"]), {
        "B2-activity": "江苏省优秀科技辅导员", "B2-organiser": "江苏省科协", "B2-project": "表彰",
        "B2-award": "优秀科技辅导员", "B2-occurred_on": "2024-05-01", "B2-scope": "provincial",
        "B2-achievement_category": "counselor_honour", "B2-attachment": upload("h.pdf", pdf_bytes())})
    assert response.status_code == 302
    assert DossierEntry.objects.get(application=app, item_code="B2").achievement_category == "counselor_honour"


# --- rule 4: part-time years count ------------------------------------------------------------------------

def test_part_time_counselor_can_submit_senior(senior_draft, applicant):
    profile = applicant.applicant_profile
    profile.part_time = True
    profile.save()
    services.application_submit(application=senior_draft, actor=applicant)
    work = next(c for c in senior_draft.eligibility_result["criteria"] if c["code"] == "work_years")
    assert work["outcome"] == "passed"


def test_stored_senior_rule_sets_are_corrected_by_the_migration(demo):
    import importlib

    from django.apps import apps

    from certification.models import Campaign

    migration = importlib.import_module("certification.migrations.0005_part_time_years_count")
    campaign = demo["senior"]
    for rule in campaign.eligibility_rules["criteria"]:
        if rule["kind"] == "work_years":
            rule["part_time_counts"] = False
    campaign.save()
    migration.forwards(apps, None)
    rule = next(r for r in Campaign.objects.get(pk=campaign.pk).eligibility_rules["criteria"]
                if r["kind"] == "work_years")
    assert rule["part_time_counts"] is True


# --- rule 5: first supervisor is asked, not assumed -------------------------------------------------------

@pytest.mark.parametrize("answer, passes", [(True, True), (False, False)])
def test_junior_4_1_needs_the_first_supervisor_answer(demo, applicant, complete_profile, answer, passes):
    complete_profile(applicant)
    app = _junior_ready(services.application_start(applicant=applicant, campaign=demo["junior"]), applicant,
                        first_supervisor=answer)
    if passes:
        services.application_submit(application=app, actor=applicant)
        achievements = next(c for c in app.eligibility_result["criteria"] if c["code"] == "achievements")
        assert achievements["outcome"] == "passed"
    else:
        with pytest.raises(ValidationError, match="第三条第4款"):
            services.application_submit(application=app, actor=applicant)


def test_e1_form_asks_first_supervisor(client, demo, applicant, complete_profile):
    complete_profile(applicant)
    app = services.application_start(applicant=applicant, campaign=demo["junior"])
    client.force_login(applicant)
    page = client.get(reverse("applicants:dossier", args=[app.pk])).content.decode()
    assert "是否第一指导教师" in page
    data = {"E1-name": "科技节", "E1-organiser": "学校", "E1-summary": "指导", "E1-occurred_on": "2026-05-01",
            "E1-attachment": upload("e.pdf", pdf_bytes())}
    response = client.post(reverse("applicants:entry_add", args=[app.pk, "E1"]), data)
    assert response.status_code == 400 and "是否第一指导教师" in response.content.decode()
    data["E1-attachment"] = upload("e.pdf", pdf_bytes())
    response = client.post(reverse("applicants:entry_add", args=[app.pk, "E1"]), {**data, "E1-first_supervisor": "yes"})
    assert response.status_code == 302
    assert DossierEntry.objects.get(application=app).first_supervisor is True


# --- rule 6: an explicit `now` is honoured everywhere -------------------------------------------------------

def test_submission_checks_membership_at_the_given_now(demo, applicant, complete_profile):
    """Membership valid through this month: a submission dated after it (window's last day) pays full price."""
    campaign = demo["junior"]
    now = timezone.make_aware(dt.datetime.combine(campaign.application_end, dt.time(10, 0)))
    record = MemberRecord.objects.create(number="M900", name="张晓明", valid_until=timezone.localdate().replace(day=1))
    assert record.valid_through < now  # valid on the real clock, lapsed at `now`
    complete_profile(applicant, full_name="张晓明", member_number="M900")
    app = _junior_ready(services.application_start(applicant=applicant, campaign=campaign), applicant,
                        first_supervisor=True)
    services.application_submit(application=app, actor=applicant, now=now)
    order = Order.objects.get(application=app)
    assert not order.member_rate_applied and "到期" in order.member_rate_note
    assert order.amount == campaign.fee


def test_submission_counts_achievements_up_to_the_given_now(demo, applicant, complete_profile):
    """An entry dated after today but before the given `now` counts: the engine's day is `now`'s day."""
    campaign = demo["junior"]
    now = timezone.make_aware(dt.datetime.combine(campaign.application_end, dt.time(10, 0)))
    complete_profile(applicant)
    app = _junior_ready(services.application_start(applicant=applicant, campaign=campaign), applicant,
                        first_supervisor=True, on=campaign.application_end - dt.timedelta(days=5))
    services.application_submit(application=app, actor=applicant, now=now)
    assert app.status == S.SUBMITTED
    assert dt.datetime.fromisoformat(app.eligibility_result["computed_at"]) == now


def test_exceptional_start_and_waived_order_use_the_given_now(demo, applicant, complete_profile):
    from applicants.models import Honour

    campaign = demo["senior"]
    now = timezone.make_aware(dt.datetime.combine(campaign.application_start, dt.time(9, 0)))
    profile = complete_profile(applicant)
    Honour.objects.create(profile=profile, kind=Honour.Kind.TITLE, title="十佳优秀科技辅导员",
                          contest="全国青少年科技创新大赛", year=2015)
    app = services.application_start(applicant=applicant, campaign=campaign, exceptional=True, now=now)
    services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=applicant)
    services.application_submit(application=app, actor=applicant, now=now)
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW and app.paid_at == now
    assert Order.objects.get(application=app).paid_at == now
