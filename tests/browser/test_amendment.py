"""The one amendment in real Chromium: the secretariat returns a dossier with a reason and a deadline, the
applicant sees why, fixes it and resubmits once; the secretariat can then no longer return it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


@pytest.fixture
def under_review(live_server, transactional_db, make_user, complete_profile):
    from applicants import services
    from certification.seed import load_demo_campaigns, load_seed_campaigns
    from tests.applicants.conftest import add_honour_entry, pdf_bytes, upload

    load_seed_campaigns()
    campaign = {c.level: c for c in load_demo_campaigns()}["senior"]
    applicant = make_user(full_name="周明")
    complete_profile(applicant)
    app = services.application_start(applicant=applicant, campaign=campaign)
    services.dossier_entry_add(
        application=app, item_code="B1",
        fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                "project": "水质监测", "award": "一等奖"},
        occurred_on=campaign.application_end - dt.timedelta(days=400),
        attachment=upload("award.pdf", pdf_bytes()), actor=applicant)
    add_honour_entry(app, applicant)
    services.dossier_scan_save(application=app, scan=upload("scan.pdf", pdf_bytes()), actor=applicant)
    services.application_submit(application=app, actor=applicant)
    services.application_mark_paid(application=app)
    return app


def _login(page, base, user):
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(user.raw_password)
    page.locator("form.stacked button[type=submit]").click()


def test_secretariat_returns_once_and_applicant_resubmits(page, live_server, under_review, make_user):
    from certification.models import Role

    secretariat = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    base = live_server.url
    _login(page, base, secretariat)
    page.goto(base + "/review/eligibility/")
    row = page.locator("tr.application-row", has_text=under_review.number)
    expect(row).to_contain_text("资格审查中")
    expect(row.locator(".id-number")).not_to_contain_text("19800101")  # ID numbers masked in the list
    row.get_by_role("link", name="退回修改").click()

    # Bad input first: a deadline in the past. The page says so in Chinese and keeps the reason typed.
    return_url = page.url
    page.locator("[name=reason]").fill("B1证书扫描件不清晰，请重新上传。")
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.locator("[name=deadline]").fill(past)
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("main")).to_contain_text("修改截止时间必须晚于现在")
    expect(page.locator("[name=reason]")).to_have_value("B1证书扫描件不清晰，请重新上传。")
    assert page.url.startswith(return_url.split("?")[0])
    deadline = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.locator("[name=deadline]").fill(deadline)
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("tr.application-row", has_text=under_review.number)).to_contain_text("退回修改")

    page.context.clear_cookies()
    _login(page, base, under_review.applicant)
    page.goto(base + f"/me/applications/{under_review.pk}/")
    expect(page.locator(".msg.warning")).to_contain_text("B1证书扫描件不清晰")
    page.get_by_role("button", name=re.compile("重新提交")).click()
    expect(page.locator(".msg.success")).to_contain_text("已重新提交")
    expect(page.locator(f"#application-{under_review.pk}")).to_contain_text("资格审查中")

    page.context.clear_cookies()
    _login(page, base, secretariat)
    page.goto(base + "/review/eligibility/")
    row = page.locator("tr.application-row", has_text=under_review.number)
    expect(row).to_contain_text("已修改")
    expect(row.get_by_role("link", name="退回修改")).to_have_count(0)
