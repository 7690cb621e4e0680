"""The online exam in real Chromium: a candidate opens 考试中心 from the menu, starts, answers (autosaved by
exam.js), reloads mid-way and finds the answers and the clock as they were, then hands in."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


@pytest.fixture
def candidate(live_server, transactional_db, make_user):
    from certification.seed import load_seed_campaigns
    from reviews.exam_models import ExamPaper
    from reviews.exam_services import exam_papers_generate
    from tests.reviews.exam_fixtures import SENIOR, make_bank, make_candidate, make_session

    campaign = {c.slug: c for c in load_seed_campaigns()}[SENIOR]
    make_bank()
    session = make_session(campaign, duration=30)
    application = make_candidate(make_user, campaign, 1)
    exam_papers_generate(session=session, actor=None)
    return ExamPaper.objects.select_related("application__applicant").get(application=application)


def _login(page, base, user):
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(user.raw_password)
    page.locator("form.stacked button[type=submit]").click()


def _remaining(page) -> int:
    return int(page.locator("#exam-clock").get_attribute("data-remaining"))


def test_candidate_takes_the_exam_reloads_mid_way_and_finishes(page, live_server, candidate):
    from reviews.exam_models import ExamAnswer, ExamPaper
    from reviews.models import StageScore

    applicant = candidate.application.applicant
    applicant.raw_password = "Pass-word-2026"
    base = live_server.url
    _login(page, base, applicant)
    page.locator("nav.main-nav").get_by_role("link", name="考试中心").click()
    expect(page.locator("h1")).to_have_text("考试中心")
    expect(page.locator(".candidate-number")).to_have_text(candidate.candidate_number)
    page.get_by_role("link", name="进入考试").click()
    expect(page.locator(".exam-rules")).to_contain_text("请独立作答")
    page.get_by_role("button", name="开始考试").click()

    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(9)
    start_remaining = _remaining(page)
    assert 29 * 60 <= start_remaining <= 30 * 60
    expect(page.locator("#clock-text")).to_have_text(re.compile(r"\d+分\d\d秒"))

    # Answer the first four questions; exam.js saves each change at once.
    for n in range(4):
        questions.nth(n).locator(".options input").first.check()
        expect(page.locator("#save-status")).to_contain_text("已自动保存")
    expect(page.locator("#answered-count")).to_have_text("4")
    paper = ExamPaper.objects.get(pk=candidate.pk)
    assert ExamAnswer.objects.filter(paper=paper).exclude(choice="").count() == 4

    # Reload mid-way: the same answers are checked and the clock went on, it did not start again.
    page.wait_for_timeout(2_000)
    page.reload()
    expect(questions).to_have_count(9)
    for n in range(4):
        expect(questions.nth(n).locator(".options input").first).to_be_checked()
    expect(questions.nth(4).locator("input:checked")).to_have_count(0)
    after = _remaining(page)
    assert start_remaining - 60 <= after <= start_remaining - 1
    assert ExamPaper.objects.get(pk=candidate.pk).deadline == paper.deadline

    # One question at a time for the rest, moving on with the buttons.
    page.get_by_role("link", name="逐题作答").click()
    page.locator("nav.question-nav").get_by_role("button", name="5", exact=True).click()
    for n in range(5, 10):
        expect(page.locator("fieldset.question legend")).to_contain_text(f"第{n}题")
        page.locator("fieldset.question .options input").first.check()
        expect(page.locator("#save-status")).to_contain_text("已自动保存")
        if n < 9:
            page.get_by_role("button", name="保存并下一题").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷").click()
    expect(page.locator(".exam-receipt")).to_contain_text("共作答 9/9 题")
    expect(page.locator("#paper-status")).to_have_text("已交卷")

    paper.refresh_from_db()
    assert paper.status == ExamPaper.Status.SUBMITTED and paper.hand_in == "candidate"
    score = StageScore.objects.get(application=candidate.application, stage="exam")
    assert score.detail["answered"] == 9 and 0 <= score.score <= 100
    page.goto(base + "/exam/")
    expect(page.locator(f"#exam-{candidate.application.pk}")).to_contain_text("已交卷")
