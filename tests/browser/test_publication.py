"""Publication in real Chromium: the notice is posted and a complaint lodged; the committee dismisses it;
certificates are generated with the progress bar; the holder downloads theirs; the QR link verifies it; after
revocation the same link says revoked."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)


@pytest.fixture
def certified_senior(live_server, transactional_db):
    from certificates.demo import certify_demo_applicant
    from certification.models import CalendarYear
    from certification.seed import load_demo_campaigns, load_seed_campaigns
    from tests.certificates.conftest import load_holidays

    load_holidays()
    load_seed_campaigns()
    campaign = {c.level: c for c in load_demo_campaigns()}["senior"]
    today = timezone.localdate()
    for y in (today.year, today.year + 1):  # a year past the library: an explicit, empty schedule for the test
        CalendarYear.objects.get_or_create(year=y, defaults={"note": "测试"})
    apps = [certify_demo_applicant(campaign=campaign, email=f"h{i}@example.cn", full_name=name, employer=unit,
                                   seq=700 + i)
            for i, (name, unit) in enumerate([("周明", "南京市第一中学"), ("吴芳", "苏州市科技馆")])]
    for app in apps:
        app.applicant.set_password("Pass-word-2026")
        app.applicant.save()
        app.applicant.raw_password = "Pass-word-2026"
    return campaign, apps


def _login(page, base, user):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(user.raw_password)
    page.locator("form.stacked button[type=submit]").click()


def test_notice_complaint_dismissal_certificates_download_verify_revoke(page, live_server, certified_senior,
                                                                         make_user, tmp_path):
    from certificates import services
    from certificates.models import Certificate, PublicNotice
    from certification.models import Role
    from tests.applicants.conftest import pdf_bytes

    campaign, apps = certified_senior
    base = live_server.url
    secretariat = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    supervisor = make_user(Role.SUPERVISOR)

    # The secretariat posts the notice, starting today.
    _login(page, base, secretariat)
    page.goto(base + reverse("certificates:publication", args=[campaign.slug]))
    page.locator("[name=starts_on]").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator("#notice")).to_contain_text("公示中")
    notice = PublicNotice.objects.get(campaign=campaign)

    # Anyone lodges a complaint against a listed person, with a PDF.
    page.context.clear_cookies()
    page.goto(base + reverse("certificates:notice_detail", args=[campaign.slug]))
    expect(page.locator("#notice-end")).to_have_text(f"{notice.ends_on.year}年{notice.ends_on.month}月"
                                                     f"{notice.ends_on.day}日")
    row = page.locator("#notice-entries tr", has_text="周明")
    expect(row).to_contain_text("南京市第一中学")
    row.get_by_role("link", name="投诉").click()
    page.locator("[name=complainant_name]").fill("李举报")
    page.locator("[name=complainant_phone]").fill("13900001111")
    page.locator("[name=complainant_email]").fill("whistle@example.cn")
    page.locator("[name=content]").fill("怀疑其获奖证书不实。")
    proof = tmp_path / "proof.pdf"
    proof.write_bytes(pdf_bytes())
    page.locator("[name=attachments]").set_input_files(str(proof))
    page.get_by_role("button", name="提交投诉").click()
    expect(page.locator("#complaint-reference")).to_be_visible()

    # The committee investigates and dismisses it with a reason.
    _login(page, base, supervisor)
    page.get_by_role("link", name="投诉受理").first.click()
    page.locator("#open-complaints a").first.click()
    page.locator("#note-form [name=text]").fill("已核对获奖证书原件，真实。")
    page.get_by_role("button", name="保存调查记录").click()
    expect(page.locator("#complaint-notes")).to_contain_text("已核对获奖证书原件")
    page.get_by_label("不予支持（维持认证）").check()
    page.locator("#decision-form [name=reason]").fill("经核实，获奖证书真实有效。")
    page.get_by_role("button", name="提交决定").click()
    expect(page.locator("#decided-complaints")).to_contain_text("不予支持")

    # The notice ends (the periodic task, run as if at the first minute after its last day).
    services.notices_advance(now=notice.closes_at + dt.timedelta(minutes=1))

    # The secretariat generates the certificates and watches the progress bar.
    _login(page, base, secretariat)
    page.goto(base + reverse("certificates:publication", args=[campaign.slug]))
    page.get_by_role("button", name="生成证书").click()
    expect(page.locator("#batch-status")).to_contain_text("已完成")
    expect(page.locator("#batch-progress")).to_have_attribute("value", "2")
    expect(page.locator("#batch-count")).to_contain_text("已生成 2 / 2 张（100%）")

    # The holder downloads theirs under 证书管理.
    holder = apps[0].applicant
    _login(page, base, holder)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="证书管理").click()
    cert = Certificate.objects.get(application=apps[0])
    card = page.locator(f"#certificate-{cert.pk}")
    expect(card).to_contain_text(cert.number)
    with page.expect_download() as download:
        card.get_by_role("link", name="下载电子证书（PDF）").click()
    path = download.value.path()
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-") and data == cert.pdf.read()

    # The QR code's link verifies it, for anyone.
    from certificates.credentials import verify_url

    link = reverse("certificates:verify_link", args=[cert.verify_token])
    assert verify_url(cert).endswith(link)
    page.context.clear_cookies()
    page.goto(base + link)
    expect(page.locator("#verify-status")).to_have_text("证书有效")
    expect(page.locator("#verify-result")).to_contain_text("周明")

    # The committee revokes it; the same link then says revoked, with date and reason.
    _login(page, base, supervisor)
    page.goto(base + reverse("certificates:search") + f"?q={cert.number}")
    page.get_by_role("link", name="撤销…").click()
    page.get_by_role("button", name="撤销证书").click()
    expect(page.locator(".errorlist")).to_contain_text("撤销证书必须填写原因")
    page.locator("[name=reason]").fill("受到行政处罚。")
    page.get_by_role("button", name="撤销证书").click()
    expect(page.locator("#revoked")).to_contain_text("受到行政处罚")
    page.context.clear_cookies()
    page.goto(base + link)
    expect(page.locator("#verify-status")).to_contain_text("该证书已撤销")
    expect(page.locator("#verify-status")).to_contain_text("受到行政处罚")
