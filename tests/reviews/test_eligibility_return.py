"""Eligibility review (moved from applicants): the one amendment, its expiry task and the secretariat list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applicants import services
from applicants.models import Application
from certification.models import AuditEntry, Role
from reviews.services import eligibility_return
from reviews.tasks import expire_overdue_amendments
from tests.applicants.conftest import add_honour_entry, pdf_bytes, upload

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def under_review(senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    services.application_mark_paid(application=senior_draft)
    return senior_draft


@pytest.fixture
def national_secretariat(make_user, demo):
    return make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")


def _return(app, actor, days=3):
    return eligibility_return(application=app, actor=actor, reason="B1证书扫描件不清晰",
                                                     deadline=timezone.now() + dt.timedelta(days=days))


def test_amend_once_then_resubmit(under_review, applicant, national_secretariat):
    _return(under_review, national_secretariat)
    assert under_review.status == S.RETURNED
    # Editable again while returned.
    services.dossier_entry_add(application=under_review, item_code="B2",
                               fields={"activity": "a", "organiser": "b", "project": "c", "award": "d"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=applicant)
    services.application_resubmit(application=under_review, actor=applicant)
    under_review.refresh_from_db()
    assert under_review.status == S.UNDER_REVIEW and under_review.amendment_used
    with pytest.raises(ValidationError, match="一次"):
        _return(under_review, national_secretariat)
    with pytest.raises(ValidationError):
        services.dossier_entry_add(application=under_review, item_code="B2",
                                   fields={"activity": "a", "organiser": "b", "project": "c", "award": "d"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()),
                                   actor=applicant)


def test_resubmit_after_deadline_refused_and_task_expires_idempotently(under_review, applicant,
                                                                       national_secretariat):
    _return(under_review, national_secretariat, days=1)
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    with pytest.raises(ValidationError, match="修改期限已过"):
        services.application_resubmit(application=under_review, actor=applicant, now=later)
    # Not yet overdue: the task leaves it alone.
    assert expire_overdue_amendments.delay().get() == 0
    Application.objects.filter(pk=under_review.pk).update(amendment_deadline=timezone.now() - dt.timedelta(seconds=1))
    assert expire_overdue_amendments.delay().get() == 1
    under_review.refresh_from_db()
    assert under_review.status == S.INELIGIBLE
    assert expire_overdue_amendments.delay().get() == 0
    assert AuditEntry.objects.for_object(under_review).filter(to_state=S.INELIGIBLE).count() == 1


def test_secretariat_return_page_scoped_to_own_authority(client, under_review, national_secretariat,
                                                         jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    assert client.get(reverse("reviews:eligibility_return", args=[under_review.pk])).status_code == 404
    page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert under_review.number not in page
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert under_review.number in page
    id_number = under_review.applicant.applicant_profile.id_number
    assert id_number not in page and id_number[:4] + "**********" + id_number[-4:] in page
    deadline = timezone.localtime() + dt.timedelta(days=5)
    response = client.post(reverse("reviews:eligibility_return", args=[under_review.pk]),
                           {"reason": "请补充B2证书", "deadline": deadline.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.status == S.RETURNED and under_review.return_reason == "请补充B2证书"


def test_applicant_cannot_use_secretariat_pages(client, under_review, applicant):
    client.force_login(applicant)
    assert client.get(reverse("reviews:eligibility_list")).status_code == 403
    assert client.post(reverse("reviews:eligibility_return", args=[under_review.pk]),
                       {"reason": "x", "deadline": "2099-01-01T00:00"}).status_code == 403


def _submitted_application(make_user, complete_profile, campaign, i):
    user = make_user()
    complete_profile(user, first17=f"32010219800101{i:02d}1")
    app = services.application_start(applicant=user, campaign=campaign)
    services.dossier_entry_add(application=app, item_code="B1",
                               fields={"competition": "a", "organiser": "b", "student": "c", "project": "d",
                                       "award": "e"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=user)
    add_honour_entry(app, user)
    services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=user)
    services.application_submit(application=app, actor=user)
    return user


def test_secretariat_list_query_count_flat(client, demo, make_user, complete_profile, national_secretariat,
                                           django_assert_max_num_queries):
    client.force_login(national_secretariat)
    _submitted_application(make_user, complete_profile, demo["senior"], 1)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("reviews:eligibility_list"))
    for i in range(2, 8):
        _submitted_application(make_user, complete_profile, demo["senior"], i)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert page.count("application-row") == 7


def test_secretariat_list_pages_and_filters(client, demo, make_user, complete_profile, national_secretariat,
                                            monkeypatch):
    from reviews import views

    monkeypatch.setattr(views, "REVIEW_PAGE_SIZE", 2)
    for i in range(1, 4):
        _submitted_application(make_user, complete_profile, demo["senior"], i)
    client.force_login(national_secretariat)
    first = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert first.count("application-row") == 2 and "第 1/2 页" in first and "共 3 份" in first
    second = client.get(reverse("reviews:eligibility_list"), {"page": 2}).content.decode()
    assert second.count("application-row") == 1
    none = client.get(reverse("reviews:eligibility_list"), {"status": "eligible"}).content.decode()
    assert none.count("application-row") == 0 and "暂无申请" in none
