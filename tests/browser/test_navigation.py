"""A national secretariat's header menu stays on one line at 1280 px, and its grouped entries open
without JavaScript (a <details> element)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_menu_fits_one_line_and_opens_without_javascript(live_server, browser, seeded, make_user,
                                                               transactional_db):
    from certification.models import Role

    national = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会", is_staff=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(national.email)
    page.locator("#id_password").fill(national.raw_password)
    page.locator("form.stacked button[type=submit]").click()
    page.goto(live_server.url + "/workbench/")
    nav = page.get_by_role("navigation", name="主菜单")
    links = nav.locator(":scope > a, :scope > details > summary")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines at 1280 px"
    expect(nav.get_by_role("link", name="资格审查")).to_be_hidden()
    nav.get_by_text("审查与评审").click()
    for name in ("资格审查", "业绩评审", "笔试管理", "评审与排名"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    nav.get_by_text("秘书处", exact=True).click()
    for name in ("秘书处工作台", "订单管理", "通知发件箱"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    nav.get_by_role("link", name="资格审查").click()
    expect(page).to_have_url(live_server.url + "/review/eligibility/")
    context.close()
