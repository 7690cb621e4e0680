"""我的认证: stage, next step, timeline and menu targets."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from applicants import services
from applicants.models import Application
from certification.models import Role
from reviews.services import eligibility_return

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


def test_my_certifications_shows_stage_next_step_and_timeline(client, under_review, applicant,
                                                             national_secretariat):
    _return(under_review, national_secretariat)
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications")).content.decode()
    assert "退回修改" in page and "B1证书扫描件不清晰" in page
    assert "请按退回原因修改申报书" in page
    for action in ("创建申报书草稿", "提交申报书", "缴费完成，进入资格审查", "资格审查退回修改"):
        assert action in page


def test_start_from_campaign_link(client, applicant, demo):
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications"), {"campaign": "demo-senior"}).content.decode()
    assert "开始填写申报书" in page
    response = client.post(reverse("applicants:start"), {"campaign": "demo-senior"})
    app = Application.objects.get(applicant=applicant)
    assert response.url == reverse("applicants:dossier", args=[app.pk])


def test_my_certifications_query_count_flat(client, demo, applicant, complete_profile,
                                            django_assert_max_num_queries):
    complete_profile(applicant)
    client.force_login(applicant)
    services.application_start(applicant=applicant, campaign=demo["senior"])
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("applicants:my_certifications"))
    Application.objects.filter(applicant=applicant).update(status=S.WITHDRAWN)
    services.application_start(applicant=applicant, campaign=demo["junior"])
    Application.objects.filter(applicant=applicant, level="junior").update(status=S.WITHDRAWN)
    services.application_start(applicant=applicant, campaign=demo["intermediate"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("applicants:my_certifications")).content.decode()
    assert page.count('class="card application"') == 3


def test_menu_targets_exam_centre_and_certificates_exist(client, under_review, applicant):
    """The 考试中心 and 证书管理 menu entries land on sections of 我的认证 that say what is scheduled."""
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications")).content.decode()
    exams = page.split('id="exams"', 1)[1].split("</section>", 1)[0]
    campaign = under_review.campaign
    assert campaign.title in exams and f"{campaign.exam_date:%Y年%m月%d日}" in exams
    assert 'id="certificates"' in page and "暂无证书" in page
