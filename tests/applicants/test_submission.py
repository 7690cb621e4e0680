"""Submission, numbering, locking and withdrawal, with the deadline boundaries the notices state."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applicants import services
from applicants.models import Application
from payments.models import Order

from .conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db
S = Application.Status


def _at(day: dt.date, h, m, s, micro=0):
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, h, m, s, micro))


def test_submit_locks_numbers_and_opens_order(senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    senior_draft.refresh_from_db()
    assert senior_draft.status == S.SUBMITTED
    assert senior_draft.number == f"{senior_draft.year}332" + "00001"
    assert senior_draft.profile_snapshot["employer"] == "南京市第一中学"
    assert Order.objects.filter(application=senior_draft).count() == 1
    with pytest.raises(ValidationError, match="锁定"):
        services.dossier_entry_add(application=senior_draft, item_code="B2",
                                   fields={"activity": "a", "organiser": "b", "project": "c", "award": "d"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()),
                                   actor=applicant)
    with pytest.raises(ValidationError):
        services.application_submit(application=senior_draft, actor=applicant)


def test_numbers_are_sequential_and_unique(demo, make_user, complete_profile):
    numbers = []
    for i in range(3):
        user = make_user()
        complete_profile(user, first17=f"3201021980010112{i}")
        app = services.application_start(applicant=user, campaign=demo["junior"])
        services.dossier_entry_add(application=app, item_code="E1",
                                   fields={"name": "科技节", "organiser": "学校", "summary": "指导"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=user)
        services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=user)
        services.application_submit(application=app, actor=user)
        numbers.append(app.number)
    assert numbers == [f"{demo['junior'].year}132{n:05d}" for n in (1, 2, 3)]


def test_submit_requires_scan_and_complete_profile(demo, applicant, complete_profile):
    complete_profile(applicant, ethnicity="")
    app = services.application_start(applicant=applicant, campaign=demo["senior"])
    with pytest.raises(ValidationError, match="民族"):
        services.application_submit(application=app, actor=applicant)
    app.applicant.applicant_profile.ethnicity = "汉族"
    app.applicant.applicant_profile.save()
    services.dossier_entry_add(application=app, item_code="C6", fields={"name": "a", "place": "b", "summary": "c"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=applicant)
    with pytest.raises(ValidationError, match="扫描件"):
        services.application_submit(application=app, actor=applicant)


def test_submit_on_last_second_of_deadline_day_and_refused_one_second_later(senior_draft, applicant):
    end = senior_draft.campaign.application_end
    with pytest.raises(ValidationError, match="截止"):
        services.application_submit(application=senior_draft, actor=applicant, now=_at(end + dt.timedelta(days=1),
                                                                                        0, 0, 0))
    senior_draft.refresh_from_db()
    assert senior_draft.status == S.DRAFT and senior_draft.number is None
    services.application_submit(application=senior_draft, actor=applicant, now=_at(end, 23, 59, 59))
    assert senior_draft.status == S.SUBMITTED


def test_submit_before_window_refused(senior_draft, applicant):
    start = senior_draft.campaign.application_start
    with pytest.raises(ValidationError):
        services.application_submit(application=senior_draft, actor=applicant,
                                    now=_at(start - dt.timedelta(days=1), 23, 59, 59))


def test_one_level_per_campaign_year(demo, senior_draft, applicant):
    assert demo["junior"].year == senior_draft.year
    with pytest.raises(ValidationError, match="一个级别"):
        services.application_start(applicant=applicant, campaign=demo["junior"])


def test_withdraw_until_last_second_of_deadline(senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    end = senior_draft.campaign.application_end
    with pytest.raises(ValidationError, match="不再受理取消报名"):
        services.application_withdraw(application=senior_draft, actor=applicant,
                                      now=_at(end + dt.timedelta(days=1), 0, 0, 0))
    senior_draft.refresh_from_db()
    assert senior_draft.status == S.SUBMITTED
    services.application_withdraw(application=senior_draft, actor=applicant, reason="改年再报",
                                  now=_at(end, 23, 59, 59, 999999))
    senior_draft.refresh_from_db()
    assert senior_draft.status == S.WITHDRAWN
    assert Order.objects.get(application=senior_draft).status == "cancelled"


def test_withdrawn_frees_the_year_for_another_level(demo, senior_draft, applicant):
    services.application_withdraw(application=senior_draft, actor=applicant)
    app = services.application_start(applicant=applicant, campaign=demo["junior"])
    assert app.level == "junior"


def test_views_refuse_edits_after_submission(client, senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    client.force_login(applicant)
    response = client.post(reverse("applicants:entry_add", args=[senior_draft.pk, "B2"]), {
        "B2-activity": "a", "B2-organiser": "b", "B2-project": "c", "B2-award": "d", "B2-occurred_on": "2024-01-01",
        "B2-attachment": upload("a.pdf", pdf_bytes())})
    assert "锁定" in response.content.decode()
    assert not senior_draft.entries.filter(item_code="B2").exists()
    entry = senior_draft.entries.first()
    client.post(reverse("applicants:entry_delete", args=[senior_draft.pk, entry.pk]))
    assert senior_draft.entries.filter(pk=entry.pk).exists()
    response = client.post(reverse("applicants:scan_upload", args=[senior_draft.pk]),
                           {"scan": upload("s.pdf", pdf_bytes())})
    assert "锁定" in response.content.decode()


def test_submit_and_withdraw_through_pages(client, senior_draft, applicant):
    client.force_login(applicant)
    response = client.post(reverse("applicants:submit", args=[senior_draft.pk]), follow=True)
    page = response.content.decode()
    senior_draft.refresh_from_db()
    assert senior_draft.number in page and "已提交，待缴费" in page
    response = client.post(reverse("applicants:withdraw", args=[senior_draft.pk]), {"reason": "有事"}, follow=True)
    senior_draft.refresh_from_db()
    assert senior_draft.status == S.WITHDRAWN and "已取消报名" in response.content.decode()


def test_submit_requires_verified_email(senior_draft, applicant):
    type(applicant).objects.filter(pk=applicant.pk).update(email_verified=False)
    senior_draft.applicant.refresh_from_db()
    with pytest.raises(ValidationError, match="验证电子邮箱"):
        services.application_submit(application=senior_draft, actor=applicant)


def test_exceptional_track_only_when_condition_met(demo, applicant, complete_profile):
    profile = complete_profile(applicant)
    with pytest.raises(ValidationError, match="破格"):
        services.application_start(applicant=applicant, campaign=demo["senior"], exceptional=True)
    profile.honours.create(kind="title", title="十佳优秀科技辅导员", contest="全国青少年科技创新大赛", year=2020)
    app = services.application_start(applicant=applicant, campaign=demo["senior"], exceptional=True)
    assert app.track == Application.Track.EXCEPTIONAL


def test_the_withdraw_button_shows_exactly_while_withdrawal_is_open(client, senior_draft, applicant):
    """The dossier page asks the same question the service answers: a state that allows it, deadline included."""
    from applicants.services import withdrawal_open

    closes = senior_draft.campaign.application_closes_at
    assert withdrawal_open(senior_draft, now=closes)
    assert not withdrawal_open(senior_draft, now=closes + dt.timedelta(seconds=1))
    client.force_login(applicant)
    assert "取消报名" in client.get(f"/me/applications/{senior_draft.pk}/").content.decode()
    Application.objects.filter(pk=senior_draft.pk).update(status=Application.Status.ELIGIBLE)
    senior_draft.refresh_from_db()
    assert not withdrawal_open(senior_draft, now=closes)
    assert 'name="reason"' not in client.get(f"/me/applications/{senior_draft.pk}/").content.decode()
