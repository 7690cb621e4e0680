"""The public notice (公示) and complaints (投诉) decided by the supervision committee."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from applicants.models import Application
from certificates import services
from certificates.models import Complaint, PublicNotice
from certification.models import AuditEntry
from tests.applicants.conftest import encrypted_pdf_bytes, image_bytes, pdf_bytes, upload

from .conftest import at

pytestmark = pytest.mark.django_db


def _schedule(demo, start=dt.date(2024, 9, 29), now=None):
    return services.notice_schedule(campaign=demo["senior"], actor=None, starts_on=start, now=now or at(2024, 9, 27))


def test_notice_end_date_follows_the_campaign_rule_and_the_calendar(demo, certify):
    certify("senior", 2, names=["张三", "李四"])
    campaign = demo["senior"]
    assert campaign.notice_working_days == 5 and campaign.notice_first_day_counts is False
    # Opens Sunday 29 Sept 2024 (an adjusted working day), not counted: 30 Sept, 8, 9, 10, 11 Oct.
    notice = _schedule(demo)
    assert notice.status == PublicNotice.Status.SCHEDULED
    assert (notice.starts_on, notice.ends_on, notice.working_days, notice.first_day_counts) == (
        dt.date(2024, 9, 29), dt.date(2024, 10, 11), 5, False)
    PublicNotice.objects.all().delete()
    campaign.notice_first_day_counts = True
    campaign.save()
    assert _schedule(demo).ends_on == dt.date(2024, 10, 10)


def test_notice_opens_and_closes_by_the_periodic_task_and_lists_name_unit_level_only(client, demo, certify):
    apps = certify("senior", 2, names=["张三", "李四"])
    notice = _schedule(demo)
    assert client.get(reverse("certificates:notice_detail", args=[demo["senior"].slug])).status_code == 404
    assert services.notices_advance(now=at(2024, 9, 28, 23, 59)) == {"opened": 0, "closed": 0}
    assert services.notices_advance(now=at(2024, 9, 29, 0, 5)) == {"opened": 1, "closed": 0}
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.OPEN and notice.entries.count() == 2
    page = client.get(reverse("certificates:notice_detail", args=[demo["senior"].slug])).content.decode()
    assert "张三" in page and "第" in page and "高级" in page and "2024年10月11日" in page
    profile = apps[0].applicant.applicant_profile
    for private in (profile.id_number, profile.mobile, profile.email, apps[0].number):
        assert private not in page
    # Still open on its last day, closed the next.
    assert services.notices_advance(now=at(2024, 10, 11, 23, 59)) == {"opened": 0, "closed": 0}
    assert services.notices_advance(now=at(2024, 10, 12, 0, 1)) == {"opened": 0, "closed": 1}
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.CLOSED
    assert AuditEntry.objects.filter(action="certificates.notice.closed").count() == 1


def test_a_year_without_calendar_refuses_the_notice(demo, certify):
    from certification.models import CalendarYear

    certify("senior", 1)
    CalendarYear.objects.filter(year=2024).delete()
    with pytest.raises(ValidationError, match="尚未录入2024年"):
        _schedule(demo)
    assert not PublicNotice.objects.exists()


def test_no_notice_without_certified_applications(demo):
    with pytest.raises(ValidationError, match="没有可公示"):
        _schedule(demo)


def _open_notice(demo, certify, n=2):
    apps = certify("senior", n, names=["张三", "李四", "王五"][:n])
    notice = _schedule(demo)
    services.notices_advance(now=at(2024, 9, 29, 1))
    notice.refresh_from_db()
    return notice, apps


def test_complaint_during_notice_with_checked_attachments(demo, certify, django_capture_on_commit_callbacks):
    notice, apps = _open_notice(demo, certify)
    entry = notice.entries.get(application=apps[0])
    kwargs = dict(entry=entry, name="举报人", phone="13900001111", email="whistle@example.cn",
                  content="其提交的获奖证书系伪造。", now=at(2024, 10, 9))
    for bad, msg in [(upload("a.pdf", image_bytes()), "必须是PDF"),
                     (upload("b.pdf", encrypted_pdf_bytes()), "已加密"),
                     (upload("c.pdf", pdf_bytes()[:-40]), "不完整")]:
        with pytest.raises(ValidationError, match=msg):
            services.complaint_lodge(files=[bad], **kwargs)
    assert not Complaint.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.complaint_lodge(files=[upload("proof.pdf", pdf_bytes())], **kwargs)
    assert complaint.status == Complaint.Status.RECEIVED and complaint.attachments.count() == 1
    assert complaint.attachments.get().original_name == "proof.pdf"
    assert mail.outbox[-1].to == ["whistle@example.cn"] and complaint.reference in mail.outbox[-1].subject


def test_complaint_after_the_notice_is_refused(demo, certify):
    notice, apps = _open_notice(demo, certify)
    entry = notice.entries.first()
    with pytest.raises(ValidationError, match="公示期已于2024年10月11日结束，不再受理投诉"):
        services.complaint_lodge(entry=entry, name="甲", phone="13900001111", email="a@example.cn", content="x",
                                 now=at(2024, 10, 12, 0, 0))


def test_public_complaint_form_after_the_end_says_so(client, demo, certify):
    notice, apps = _open_notice(demo, certify)
    services.notices_advance(now=at(2024, 10, 14))
    url = reverse("certificates:complaint_create", args=[demo["senior"].slug, notice.entries.first().pk])
    response = client.post(url, {"complainant_name": "甲", "complainant_phone": "13900001111",
                                 "complainant_email": "a@example.cn", "content": "有问题"})
    assert "不再受理投诉" in response.content.decode() and not Complaint.objects.exists()


def test_committee_upholds_cancels_the_certification_and_tells_both(demo, certify, supervisor,
                                                                     django_capture_on_commit_callbacks):
    notice, apps = _open_notice(demo, certify)
    complaint = services.complaint_lodge(entry=notice.entries.get(application=apps[0]), name="举报人",
                                         phone="13900001111", email="whistle@example.cn", content="论文抄袭。",
                                         now=at(2024, 10, 9))
    services.complaint_add_note(complaint=complaint, actor=supervisor, text="已调取原件核对。")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING
    with pytest.raises(ValidationError, match="处理意见"):
        services.complaint_decide(complaint=complaint, actor=supervisor, upheld=True, reason=" ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_decide(complaint=complaint, actor=supervisor, upheld=True, reason="经核实论文系抄袭。")
    apps[0].refresh_from_db()
    assert apps[0].status == Application.Status.CANCELLED
    assert AuditEntry.objects.for_object(apps[0]).filter(action="certificates.complaint.upheld").exists()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([apps[0].applicant.email, "whistle@example.cn"])
    assert any("经核实论文系抄袭" in m.body for m in mail.outbox if m.to == ["whistle@example.cn"])
    # The public list no longer shows the person.
    from certificates.selectors import notice_public_entries

    assert [e.application_id for e in notice_public_entries(notice)] == [apps[1].pk]


def test_committee_dismisses_with_a_reason_through_the_workbench(client, demo, certify, supervisor,
                                                                 django_capture_on_commit_callbacks):
    notice, apps = _open_notice(demo, certify)
    complaint = services.complaint_lodge(entry=notice.entries.first(), name="甲", phone="13900001111",
                                         email="a@example.cn", content="怀疑材料不实。", now=at(2024, 10, 9))
    client.force_login(supervisor)
    assert "怀疑材料不实" in client.get(reverse("certificates:complaint_detail", args=[complaint.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:complaint_detail", args=[complaint.pk]),
                               {"decision": "dismissed", "reason": "材料经核实无误。"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.DISMISSED and complaint.decided_by == supervisor
    apps[0].refresh_from_db()
    assert apps[0].status == Application.Status.CERTIFIED
    assert mail.outbox[-1].to == ["a@example.cn"] and "材料经核实无误" in mail.outbox[-1].body


def test_only_the_committee_sees_complaints(client, demo, certify, make_user, national_secretariat):
    notice, apps = _open_notice(demo, certify)
    complaint = services.complaint_lodge(entry=notice.entries.first(), name="甲", phone="13900001111",
                                         email="a@example.cn", content="x", now=at(2024, 10, 9))
    for user in (make_user(), national_secretariat):
        client.force_login(user)
        assert client.get(reverse("certificates:complaint_list")).status_code == 403
        assert client.get(reverse("certificates:complaint_detail", args=[complaint.pk])).status_code == 403


def test_regular_certified_list_waits_for_the_published_ranking(demo, certify):
    """Regular applications are certified by the ranking: the list is posted once the results are published."""
    from decimal import Decimal

    from applicants.services import application_transition
    from certificates.selectors import campaign_ready_for_notice
    from reviews.ranking_models import RankingRound

    campaign = demo["senior"]
    exceptional = certify("senior", 1)[0]
    assert campaign_ready_for_notice(campaign)  # only exceptional-track ones, nothing being scored
    regular = certify("senior", 1)[0]
    Application.objects.filter(pk=regular.pk).update(track=Application.Track.REGULAR, status="eligible")
    regular.refresh_from_db()
    for to in ("portfolio_review", "certified"):
        application_transition(application=regular, to=to, actor=None, action="certificates.demo.certified",
                               template=None)
    assert not campaign_ready_for_notice(campaign)
    with pytest.raises(ValidationError, match="认证结果尚未发布"):
        _schedule(demo)
    RankingRound.objects.create(campaign=campaign, status=RankingRound.Status.PUBLISHED, mode="proportion",
                                value=Decimal("50"), tie_rule="include_all", weight_portfolio=50, weight_exam=15,
                                weight_defense=35, pool_status="shortlisted", published_at=at(2024, 9, 20))
    assert campaign_ready_for_notice(campaign)
    notice = _schedule(demo)
    services.notices_advance(now=at(2024, 9, 29, 1))
    assert {e.application_id for e in notice.entries.all()} == {exceptional.pk, regular.pk}
