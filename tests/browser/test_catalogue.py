"""A visitor and a secretariat in real Chromium against the live server."""

import re

import pytest
from playwright.sync_api import expect

from certification.models import Campaign, Role

pytestmark = pytest.mark.browser
# Other test processes may share the machine; wait longer than Playwright's 5 s before calling a page broken.
expect.set_options(timeout=15_000)


@pytest.fixture
def seeded_live(live_server, transactional_db):
    from certification.seed import load_seed_campaigns

    return {c.slug: c for c in load_seed_campaigns()}


def test_visitor_filters_to_jiangsu_and_reads_the_fee(seeded_live, live_server, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="全部认证", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=seeded_live["jilin-junior-2024"].title)).to_be_visible()

    page.get_by_label("省份").select_option(label="江苏省")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"province=320000"))
    expect(page.get_by_role("link", name=seeded_live["jilin-junior-2024"].title)).to_have_count(0)
    expect(page.get_by_role("link", name=seeded_live["national-senior-2023"].title)).to_be_visible()

    page.get_by_role("link", name=seeded_live["jiangsu-junior-2024"].title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seeded_live["jiangsu-junior-2024"].title)
    expect(page.locator("#fee")).to_contain_text("¥100.00")
    expect(page.locator("#phase")).to_have_text("已截止")
    expect(page.get_by_text("2025年1月20日 – 2025年3月3日").first).to_be_visible()


def test_secretariat_logs_in_and_publishes_a_draft(seeded_live, live_server, page):
    from certification.models import Authority, User

    draft = seeded_live["jiangsu-intermediate-2024"]
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.DRAFT)
    User.objects.create_user(email="js@example.cn", password="Pass-word-2026", role=Role.PROVINCIAL_SECRETARIAT,
                             authority=Authority.objects.get(name="江苏省青少年科技教育协会"), full_name="江苏秘书处")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name=draft.title)).to_have_count(0)
    page.get_by_role("link", name="登录").click()
    page.get_by_label("电子邮箱").fill("js@example.cn")
    page.get_by_label("密码").fill("Pass-word-2026")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + "/workbench/")

    page.get_by_role("link", name=draft.title).click()
    expect(page.locator("#status")).to_have_text("草稿")
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#status")).to_have_text("已发布")
    expect(page.get_by_role("status")).to_contain_text("认证活动已发布。")
    expect(page.get_by_role("cell", name="发布认证活动")).to_be_visible()

    page.get_by_role("link", name="全部认证").first.click()
    expect(page.get_by_role("link", name=draft.title)).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.PUBLISHED


def test_the_header_stays_readable_on_a_phone(seeded_live, live_server, page):
    """The site name and menu are dark on a white header at phone width (a chart's .bar once painted it blue)."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", "rgb(255, 255, 255)")
    expect(header.locator(".header-bar")).to_have_css("background-color", "rgba(0, 0, 0, 0)")
    expect(header.get_by_role("link", name="科技辅导员认证")).to_be_visible()
    box = header.bounding_box()
    assert box["width"] <= 375  # no horizontal scrolling of the frame
