"""An applicant pays through the sandbox gateway in real Chromium and downloads the receipt."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from applicants.models import Application
from certification.models import User
from payments.models import Order, Payment

pytestmark = pytest.mark.browser


@pytest.fixture
def submitted(live_server, transactional_db):
    from certification.seed import load_seed_campaigns
    from payments.services import order_open_for_application

    campaign = {c.slug: c for c in load_seed_campaigns()}["national-senior-2023"]
    today = timezone.localdate()
    campaign.application_start = today - dt.timedelta(days=5)
    campaign.application_end = today + dt.timedelta(days=5)
    campaign.save()
    user = User.objects.create_user(email="payer@example.cn", password="Pass-word-2026", full_name="陈老师")
    app = Application.objects.create(applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
                                     status=Application.Status.SUBMITTED, number="G2023000001",
                                     submitted_at=timezone.now())
    return order_open_for_application(application=app, actor=user)


def test_applicant_pays_in_the_sandbox_and_downloads_the_receipt(submitted, live_server, page):
    order = submitted
    page.goto(live_server.url + "/orders/")
    page.get_by_label("电子邮箱").fill("payer@example.cn")
    page.get_by_label("密码").fill("Pass-word-2026")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="我的订单", level=1)).to_be_visible()
    card = page.locator(".order-card", has_text=order.number)
    expect(card).to_contain_text("待支付")
    expect(card).to_contain_text("¥500.00")
    card.get_by_role("link", name="去支付").click()

    expect(page.locator("#order-status")).to_have_text("待支付")
    page.get_by_label("在线支付（沙箱）").check()
    page.get_by_role("button", name="支付 ¥500.00").click()

    # The gateway's own page.
    expect(page).to_have_url(f"{live_server.url}/orders/sandbox/pay/{order.payments.get().reference}/")
    expect(page.get_by_text("沙箱收银台 · SANDBOX")).to_be_visible()
    expect(page.locator(".gw-amount")).to_have_text("¥500.00")
    page.get_by_role("button", name="确认支付").click()

    expect(page).to_have_url(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_role("status")).to_contain_text("支付成功")
    expect(page.locator("#order-status")).to_have_text("已支付")
    expect(page.locator("#application-status")).to_have_text("资格审查中")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载收据（PDF）").click()
    pdf = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "缴费收据" in text and order.number in text and "500.00" in text and "陈老师" in text

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.filter(state="confirmed").count() == 1
    assert Application.objects.get(pk=order.application_id).status == Application.Status.UNDER_REVIEW
