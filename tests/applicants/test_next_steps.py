"""Issue 7 items 9, 10 and 13: the next step is always a link, the self-check agrees with itself, and one
wording for the application deadline everywhere."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from applicants import services

from .conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def test_visitor_on_an_open_campaign_gets_a_sign_in_to_apply_link(client, demo):
    page = client.get(reverse("campaign_detail", args=[demo["senior"].slug])).content.decode()
    assert "登录后报名" in page and "/accounts/login/?next=" in page and "注册账号" in page


def test_applicant_on_an_open_campaign_gets_the_apply_link(client, demo, applicant):
    client.force_login(applicant)
    page = client.get(reverse("campaign_detail", args=[demo["senior"].slug])).content.decode()
    assert f'href="/me/?campaign={demo["senior"].slug}#start">我要报名</a>' in page


def test_submitted_application_links_to_payment(client, senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    client.force_login(applicant)
    for url in (reverse("applicants:my_certifications"), reverse("applicants:dossier", args=[senior_draft.pk])):
        page = client.get(url).content.decode()
        assert re.search(r'<a class="button" href="/orders/">去缴费</a>', page), url


def test_after_a_level_is_taken_other_levels_are_not_offered(client, demo, applicant, complete_profile):
    complete_profile(applicant)
    junior = services.application_start(applicant=applicant, campaign=demo["junior"])
    services.dossier_entry_add(application=junior, item_code="E1",
                               fields={"name": "科技节", "organiser": "学校", "summary": "指导"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=applicant,
                               first_supervisor=True)
    services.dossier_scan_save(application=junior, scan=upload("s.pdf", pdf_bytes()), actor=applicant)
    services.application_submit(application=junior, actor=applicant)
    services.application_withdraw(application=junior, actor=applicant)
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications"), {"campaign": demo["intermediate"].slug}).content.decode()
    assert "开始填写申报书" not in page and "申报后不允许更换" in page
    # The list of open campaigns offers no 报名 link for the year's other levels either.
    assert f'href="?campaign={demo["intermediate"].slug}#start">报名</a>' not in page
    assert f'href="?campaign={demo["senior"].slug}#start">报名</a>' not in page


def test_profile_that_rules_out_a_level_gets_no_start_button(client, demo, applicant, complete_profile):
    complete_profile(applicant).prior_certifications.update(level="junior")
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications"), {"campaign": demo["senior"].slug}).content.decode()
    assert "开始填写申报书" not in page and "第二条第2款" in page and "已获认证" in page


def test_self_check_panel_agrees_with_the_table(client, senior_draft, applicant):
    """A filled dossier passes the table, and the panel above lists the same campaign as open to apply."""
    from applicants.models import DossierEntry

    DossierEntry.objects.filter(application=senior_draft, item_code="B1").update(scope="national")
    client.force_login(applicant)
    page = client.get(reverse("applicants:self_check"), {"campaign": "demo-senior"}).content.decode()
    levels = page[page.index('id="levels"'):page.index('id="result"')]
    assert "暂无可申报" not in levels and senior_draft.campaign.title in levels
    assert "具备第3.1项、第3.3项" in page


def test_newcomer_without_a_dossier_is_told_achievements_come_later(client, demo, applicant, complete_profile):
    complete_profile(applicant)
    client.force_login(applicant)
    page = client.get(reverse("applicants:self_check"), {"campaign": "demo-junior"}).content.decode()
    levels = page[page.index('id="levels"'):page.index('id="result"')]
    assert demo["junior"].title in levels and "暂无可申报" not in levels
    assert "未具备任何一项" not in page and "业绩成果在开始报名后填写在申报书中" in page


def test_one_wording_for_the_deadline(client, senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    campaign = senior_draft.campaign
    end = campaign.application_end
    wording = f"{end.year}年{end.month}月{end.day}日24:00（北京时间）"
    client.force_login(applicant)
    order = senior_draft.order
    for url in ("/", reverse("campaign_detail", args=[campaign.slug]), reverse("applicants:my_certifications"),
                reverse("applicants:dossier", args=[senior_draft.pk]),
                reverse("payments:order_detail", args=[order.number])):
        page = client.get(url).content.decode()
        assert wording in page, url
        assert "23:59" not in page and "含当日" not in page and "含截止日" not in page, url
    from certification.models import Notification

    mail = Notification.objects.filter(template="order_created").latest("pk").body
    assert wording in mail and "23:59" not in mail
