"""Review II in real Chromium: the secretariat shortlists, schedules a defense, a panel member scores, the ranking
runs and results are published; the applicant then sees their scores and rank on 我的认证 (and nothing before)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


@pytest.fixture
def exam_stage(live_server, transactional_db, make_user):
    """Senior 2023 with three applicants whose portfolio and exam scores are final (weights 50/15/35)."""
    from django.utils import timezone

    from applicants.models import ApplicantProfile, Application
    from certification.models import Province, Role
    from certification.seed import load_seed_campaigns
    from reviews.models import StageScore
    from reviews.services import expert_create

    campaign = {c.slug: c for c in load_seed_campaigns()}["national-senior-2023"]
    campaign.shortlist_value, campaign.pass_value = Decimal("60"), Decimal("50")
    campaign.save()
    secretariat = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    expert = expert_create(authority=campaign.authority, actor=secretariat, email="judge@example.cn",
                           full_name="评委甲", unit="北京师范大学", password="Pass-word-2026")
    expert.user.raw_password = "Pass-word-2026"
    people = {}
    for i, (key, p, e) in enumerate([("a", 90, 80), ("b", 80, 70), ("c", 50, 40)]):
        user = make_user(full_name=f"申请人{key.upper()}")
        ApplicantProfile.objects.create(user=user, full_name=user.full_name, employer=f"第{i + 1}中学",
                                        province=Province.objects.get(code="320000"))
        app = Application.objects.create(
            applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
            status=Application.Status.EXAM, number=f"2023332000{i + 1}", submitted_at=timezone.now(),
            profile_snapshot={"full_name": user.full_name, "employer": f"第{i + 1}中学", "province": "江苏省"})
        StageScore.objects.create(application=app, stage="portfolio", score=Decimal(p))
        StageScore.objects.create(application=app, stage="exam", score=Decimal(e))
        people[key] = app
    return {"campaign": campaign, "secretariat": secretariat, "expert": expert, **people}


def _login(page, base, user):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(user.raw_password)
    page.locator("form.stacked button[type=submit]").click()


def _post(page, name):
    page.get_by_role("button", name=name).click()


def test_shortlist_defense_ranking_and_the_applicant_sees_the_result(page, live_server, exam_stage):
    base, c = live_server.url, exam_stage["campaign"]
    a, b, cc = exam_stage["a"], exam_stage["b"], exam_stage["c"]

    # Before anything is published the applicant sees no score.
    _login(page, base, a.applicant)
    page.goto(base + "/me/")
    expect(page.locator(f"#application-{a.pk}")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("成绩与排名")

    # The secretariat computes, confirms and releases the shortlist (K = ⌈3 × 60 / 100⌉ = 2).
    _login(page, base, exam_stage["secretariat"])
    # The review stages sit under one menu entry (a closed <details>, no script needed): open it, then follow.
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav.get_by_role("link", name="评审与排名")).to_be_hidden()
    nav.get_by_text("审查与评审").click()
    nav.get_by_role("link", name="评审与排名").click()
    page.get_by_role("link", name=c.title).click()
    expect(page.locator("#rules")).to_contain_text("入围成绩 =（业绩成果评审权重 × 业绩成果评审得分")
    _post(page, "计算入围答辩名单")
    expect(page.locator("#shortlist .round-status")).to_have_text("已计算，待确认")
    table = page.locator("#shortlist-table")
    expect(table.locator("tr", has_text=a.number)).to_contain_text("入围")
    expect(table.locator("tr", has_text=cc.number)).to_contain_text("未入围")
    _post(page, "确认入围答辩名单")
    _post(page, "公布入围答辩名单并通知申请人")
    expect(page.locator(".messages")).to_contain_text("入围答辩名单已公布")

    # Defense: a panel, its judge, a slot with a meeting link; everyone scheduled automatically and told.
    page.get_by_role("link", name="答辩安排与评分").click()
    page.locator("#panel-form [name=name]").fill("第一答辩组")
    _post(page, "新建答辩组")
    page.locator("#member-form [name=panel]").select_option(label="第一答辩组")
    page.locator("#member-form [name=expert]").select_option(label="评委甲（北京师范大学）")
    _post(page, "加入答辩组")
    expect(page.locator("#panels")).to_contain_text("评委甲（北京师范大学）")
    slot = page.locator("#slot-form")
    slot.locator("[name=panel]").select_option(label="第一答辩组")
    slot.locator("[name=starts_at]").fill("2023-09-10T09:00")
    slot.locator("[name=ends_at]").fill("2023-09-10T10:00")
    slot.locator("[name=meeting_url]").fill("https://meeting.example.cn/room-1")
    slot.locator("[name=capacity]").fill("2")
    _post(page, "创建时段")
    _post(page, "自动安排未安排者")
    expect(page.locator(".messages")).to_contain_text("已自动安排2人")
    _post(page, "发送答辩通知（含日历文件）")
    expect(page.locator(".messages")).to_contain_text("已向2位申请人发送答辩安排")

    # The applicant sees the slot with the link and the .ics file.
    _login(page, base, a.applicant)
    page.goto(base + "/me/")
    card = page.locator(f"#application-{a.pk}")
    expect(card).to_contain_text("第一答辩组")
    expect(card.get_by_role("link", name="https://meeting.example.cn/room-1")).to_be_visible()
    expect(card.get_by_role("link", name="下载日历文件（.ics）")).to_be_visible()
    expect(card).not_to_contain_text("成绩与排名")

    # The judge scores both defenses (one judge: the mean is the score).
    _login(page, base, exam_stage["expert"].user)
    page.get_by_role("link", name="答辩评分").click()
    for app, score in ((a, "85"), (b, "75")):
        row = page.locator(f"#defense-{app.pk}")
        row.locator("[name=score]").fill(score)
        row.get_by_role("button", name="保存").click()
        expect(page.locator(".messages")).to_contain_text(f"已保存对{app.number}的答辩评分")

    # The ranking runs and the results are published.
    _login(page, base, exam_stage["secretariat"])
    page.goto(base + f"/review/results/{c.slug}/")
    _post(page, "计算成绩排名")
    expect(page.locator("#ranking .round-status")).to_have_text("已计算，待公布")
    ranking = page.locator("#ranking-table")
    # a: 0.5·90 + 0.15·80 + 0.35·85 = 86.75; b: 40 + 10.5 + 26.25 = 76.75; c: 25 + 6 = 31 (not shortlisted)
    expect(ranking.locator("tr", has_text=a.number)).to_contain_text("86.75")
    expect(ranking.locator("tr", has_text=b.number)).to_contain_text("76.75")
    expect(ranking.locator("tr", has_text=cc.number)).to_contain_text("未入围答辩")
    _post(page, "公布认证结果")
    expect(page.locator("#ranking .round-status")).to_have_text("已公布")

    # The applicant sees their scores per stage, total, rank, level and decision on 我的认证.
    _login(page, base, a.applicant)
    page.goto(base + "/me/")
    result = page.locator(f"#result-{a.pk}")
    expect(result).to_contain_text("90.00")
    expect(result).to_contain_text("80.00")
    expect(result).to_contain_text("85.00")
    expect(result.locator(".total")).to_have_text("86.75")
    expect(result.locator(".rank")).to_contain_text("第 1 名")
    expect(result.locator(".decision")).to_have_text("认证通过")
    expect(page.locator(f"#application-{a.pk}")).to_contain_text("认证通过")
    _login(page, base, b.applicant)
    page.goto(base + "/me/")
    expect(page.locator(f"#result-{b.pk} .decision")).to_have_text("未通过认证")
    expect(page.locator(f"#result-{b.pk} .rank")).to_contain_text("第 2 名")
