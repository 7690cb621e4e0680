"""Review I in real Chromium: the secretariat approves two applications and returns one, releases the decisions;
the automatic assignment runs; two experts score one dossier far apart; a third expert is assigned and scores;
the aggregate and its rule appear for the secretariat."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.applicants.conftest import demo  # noqa: F401
from tests.reviews.conftest import make_under_review, national_secretariat  # noqa: F401

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)
SENIOR = {"guidance": 20, "professional": 15, "research": 20, "training": 15, "course": 15, "activity": 15}


def _login(page, base, user, password="Pass-word-2026"):
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(getattr(user, "raw_password", password))
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator(".who")).to_be_visible()


def _score(page, base, expert, number, share):
    page.context.clear_cookies()
    _login(page, base, expert.user)
    page.goto(base + "/review/tasks/")
    page.locator("tr.task-row", has_text=number).get_by_role("link").click()
    for code, top in SENIOR.items():
        page.locator(f"#score_{code}").fill(f"{top * share:g}")
    page.locator("#submit-review").click()
    expect(page.locator(".msg.success")).to_contain_text("评分已提交")


def test_eligibility_release_assignment_scoring_and_arbitration(page, live_server, transactional_db,
                                                                make_under_review, national_secretariat):  # noqa: F811
    from applicants.models import Application
    from reviews import services
    from reviews.models import Assignment

    a, b, c = (make_under_review(employer=f"第{i}中学") for i in range(3))
    for i in range(3):
        services.expert_create(authority=national_secretariat.authority, actor=national_secretariat,
                               email=f"expert{i}@example.cn", full_name=f"专家{i}", unit=f"大学{i}",
                               password="Pass-word-2026")
    base = live_server.url
    _login(page, base, national_secretariat)

    page.goto(base + "/review/eligibility/")
    for app in (a, b):
        page.locator("tr.application-row", has_text=app.number).locator("input[name=ids]").check()
    page.locator("#bulk-pass").click()
    expect(page.locator("#pending-count")).to_have_text("2")
    page.locator("tr.application-row", has_text=c.number).get_by_role("link", name="退回修改").click()
    page.locator("[name=reason]").fill("B1证书扫描件不清晰，请重新上传。")
    page.locator("[name=deadline]").fill((timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("tr.application-row", has_text=c.number)).to_contain_text("退回修改")
    page.locator("#release").click()
    expect(page.locator(".msg.success")).to_contain_text("已发布 2 份审查决定")
    for app in (a, b):
        expect(page.locator("tr.application-row", has_text=app.number)).to_contain_text("资格审查通过")

    page.goto(base + f"/review/portfolio/{a.campaign.slug}/")
    page.locator("#run-assignment").click()
    expect(page.locator("#job-status")).to_contain_text("已完成")
    expect(page.locator("main")).to_contain_text("所有申报书均已配齐专家")
    assert Application.objects.get(pk=a.pk).status == "portfolio_review"

    first, second = (x.expert for x in Assignment.objects.filter(application=a).select_related("expert__user"))
    _score(page, base, first, a.number, 0.9)
    _score(page, base, second, a.number, 0.5)
    arbiter = Assignment.objects.get(application=a, role="arbiter").expert
    assert arbiter not in (first, second)
    _score(page, base, arbiter, a.number, 0.8)

    page.context.clear_cookies()
    _login(page, base, national_secretariat)
    page.goto(base + f"/review/portfolio/{a.campaign.slug}/")
    row = page.locator(f"#dossier-{a.pk}")
    expect(row.locator(".portfolio-score")).to_have_text("85.00")  # mean of the two closest: 90 and 80
    expect(row).to_contain_text("仲裁：最接近的两位专家的平均分")
    expect(row.locator(".role-arbiter")).to_contain_text(arbiter.full_name)
