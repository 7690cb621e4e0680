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


# Speed (issue 13 item 1): what 我的认证 reads, without changing what it shows.

def _page_sql(client, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("applicants:my_certifications"), params).content.decode()
    return page, [q["sql"] for q in ctx.captured_queries]


def test_page_reads_only_what_it_shows(client, under_review, applicant):
    """No submission snapshots, narrative or campaign rule sets; a timeline without actors or hash chain; no
    results or defense queries while no application has reached the scored stages; the profile check rides on
    the applications' query."""
    client.force_login(applicant)
    page, sql = _page_sql(client)
    assert 'id="application-' in page and "办理记录（" in page and "修改基本情况" in page
    assert not any("reviews_" in q for q in sql)
    assert not any(q.startswith('SELECT 1 AS "a" FROM "applicants_applicantprofile"') for q in sql)
    wide = ('"profile_snapshot"', '"eligibility_result"', '"narrative"', '"eligibility_rules"', '"contacts"',
            '"portfolio_aspects"', '"chain_hash"', '"certification_user"."password"')
    page_sql = [q for q in sql if "django_session" not in q and 'WHERE "certification_user"."id"' not in q]
    assert len(page_sql) == 3  # applications (with the profile check), their timelines, the open campaigns
    for q in page_sql:
        assert not any(column in q for column in wide), q


def test_profile_link_says_whether_a_profile_exists_with_and_without_applications(client, demo, applicant):
    from applicants.models import ApplicantProfile, Application

    client.force_login(applicant)
    assert "填写基本情况" in client.get(reverse("applicants:my_certifications")).content.decode()
    Application.objects.create(applicant=applicant, campaign=demo["senior"], level="senior",
                               year=demo["senior"].year)
    assert "填写基本情况" in client.get(reverse("applicants:my_certifications")).content.decode()
    ApplicantProfile.objects.create(user=applicant, full_name="张三")
    assert "修改基本情况" in client.get(reverse("applicants:my_certifications")).content.decode()
    Application.objects.filter(applicant=applicant).delete()
    assert "修改基本情况" in client.get(reverse("applicants:my_certifications")).content.decode()


def test_open_campaigns_are_those_open_today_in_beijing(client, demo, applicant):
    """The SQL window and `Campaign.phase` agree at the edges: an end date of today is still open (until 24:00
    Beijing time), yesterday's is closed, tomorrow's start is not open yet, a closed campaign is not offered."""
    from certification.models import Campaign

    today = timezone.localdate()
    day = dt.timedelta(days=1)
    windows = {"junior": (today - 5 * day, today), "intermediate": (today - 5 * day, today - day),
               "senior": (today + day, today + 5 * day)}
    client.force_login(applicant)
    client.get(reverse("applicants:my_certifications"))  # the open campaigns are kept: a save must drop them
    for level, (start, end) in windows.items():
        campaign = demo[level]
        campaign.application_start, campaign.application_end = start, end
        campaign.save()
    offered = client.get(reverse("applicants:my_certifications")).content.decode().split("正在报名的认证", 1)
    assert len(offered) == 2
    assert demo["junior"].title in offered[1]
    assert demo["intermediate"].title not in offered[1] and demo["senior"].title not in offered[1]
    demo["junior"].status = Campaign.Status.CLOSED
    demo["junior"].save()
    assert "正在报名的认证" not in client.get(reverse("applicants:my_certifications")).content.decode()


def test_the_open_campaigns_are_read_once_for_every_applicant(client, demo, applicant, make_user):
    """Kept in the cache (the same for everyone): a second applicant's page does not read them again."""
    client.force_login(applicant)
    first = [q for q in _page_sql(client)[1] if 'FROM "certification_campaign"' in q]
    client.force_login(make_user())
    page, sql = _page_sql(client)
    assert first and not [q for q in sql if 'FROM "certification_campaign"' in q]
    assert demo["junior"].title in page.split("正在报名的认证", 1)[1]


def test_open_campaigns_selector_decides_by_the_instant_not_the_server_date(demo):
    from applicants import selectors

    c = demo["junior"]
    c.application_start, c.application_end = dt.date(2030, 3, 1), dt.date(2030, 3, 10)
    c.save()
    shanghai = timezone.get_fixed_timezone(8 * 60)
    inside = timezone.make_aware(dt.datetime(2030, 3, 10, 23, 59, 59), shanghai)
    after = timezone.make_aware(dt.datetime(2030, 3, 11, 0, 0, 0), shanghai)
    before = timezone.make_aware(dt.datetime(2030, 2, 28, 23, 59, 59), shanghai)
    assert c in selectors.open_campaigns(now=inside)
    # 2030-03-10 16:00 UTC is already 03-11 in Beijing.
    assert c not in selectors.open_campaigns(now=after)
    assert c not in selectors.open_campaigns(now=after.astimezone(dt.UTC))
    assert c not in selectors.open_campaigns(now=before)
