# ruff: noqa: F811 — fixtures are imported from exam_fixtures (not a conftest, so the other reviews tests stay unaffected)
"""The online exam: bank import, drawing papers, the server's clock, answers, hand-in, scoring, permissions,
the 准考证 PDF and the query count of the exam page."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reviews import exam_services as services
from reviews.exam_models import ExamAnswer, ExamPaper, ExamPaperItem, ExamSession, QuestionItem
from reviews.models import StageScore

from .exam_fixtures import (  # noqa: F401
    BLUEPRINT,
    bank,
    candidates,
    make_bank,
    make_candidate,
    make_session,
    national_secretariat,
    papers,
    senior,
    session,
    xlsx,
)

P = ExamPaper.Status


def bank_xlsx(rows):
    headers = ("级别", "试题编号", "题型", "知识点", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值")
    return xlsx(rows, headers=headers)


# --- bank ------------------------------------------------------------------------------------------------

def test_bank_import_good_file_then_update_by_code(db):
    data = bank_xlsx([
        ("高级", "S1", "单选题", "科学素质", "光年是什么单位？", "时间", "长度", "质量", "速度", "B", 2),
        ("高级", "S2", "多选题", "科技活动", "哪些是可再生能源？", "风能", "煤", "太阳能", "", "AC", 4),
        ("初级", "S3", "判断题", "科学素质", "水在标准大气压下100℃沸腾。", "", "", "", "", "对", 1),
    ])
    result, errors = services.question_bank_import(data=data, file_name="bank.xlsx")
    assert errors == [] and result.totals["new"] == 3
    s2 = QuestionItem.objects.get(code="S2")
    assert s2.level == "senior" and s2.options == ["风能", "煤", "太阳能"] and s2.answer == "AC"
    tf = QuestionItem.objects.get(code="S3")
    assert tf.level == "junior" and tf.options == ["正确", "错误"] and tf.answer == "A"
    again = bank_xlsx([("高级", "S1", "单选题", "科学素质", "光年是什么单位？", "时间", "长度", "质量", "速度", "B",
                        3)])
    result, errors = services.question_bank_import(data=again, file_name="bank.xlsx")
    assert errors == [] and result.totals["update"] == 1
    assert QuestionItem.objects.count() == 3 and QuestionItem.objects.get(code="S1").points == 3


def test_bank_import_reports_bad_rows_by_excel_row_and_imports_nothing(db):
    data = bank_xlsx([
        ("高级", "G1", "单选题", "科学素质", "好的一题", "甲", "乙", "", "", "A", 2),      # row 2
        ("高级", "B1", "填空题", "科学素质", "题型不对", "甲", "乙", "", "", "A", 2),      # row 3
        ("高级", "B2", "单选题", "科学素质", "答案超出选项", "甲", "乙", "", "", "D", 2),  # row 4
        ("高级", "B3", "单选题", "科学素质", "单选两个答案", "甲", "乙", "丙", "", "AB", 2),  # row 5
        ("高级", "B4", "多选题", "科学素质", "只有一个选项", "甲", "", "", "", "A", 2),     # row 6
        ("高级", "B5", "判断题", "科学素质", "判断答案", "", "", "", "", "也许", 2),       # row 7
        ("高级", "B6", "单选题", "科学素质", "分值非数字", "甲", "乙", "", "", "A", "两分"),  # row 8
        ("特级", "B7", "单选题", "科学素质", "级别不对", "甲", "乙", "", "", "A", 2),      # row 9
    ])
    result, errors = services.question_bank_import(data=data, file_name="bank.xlsx")
    rows = {row: " ".join(msgs) for row, msgs in errors}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8, 9]
    assert "填空题" in rows[3] and "单选题、多选题或判断题" in rows[3]
    assert "不是有效的选项字母" in rows[4]
    assert "只能有一个正确答案" in rows[5]
    assert "2至" in rows[6]
    assert "应为“对”或“错”" in rows[7]
    assert "不是数字" in rows[8]
    assert "特级" in rows[9]
    assert QuestionItem.objects.count() == 0  # the good row 2 was rolled back with the bad ones


def test_blueprint_needs_enough_items_in_the_bank(senior, bank):
    errors = services.blueprint_errors([{"kind": "single", "topic": "科学素质", "count": 9},
                                        {"kind": "multiple", "topic": "", "count": 5}], level="senior")
    assert "题库中“单选题·科学素质”只有8道，少于组卷要求的9道。" in errors
    assert any("多选题（不限知识点）" in e and "4道" in e for e in errors)
    with pytest.raises(ValidationError, match="组卷规则不能为空"):
        make_session(senior, blueprint=[])
    assert services.parse_blueprint_text("单选题,科学素质,3\n判断题,,2") == [
        {"kind": "single", "topic": "科学素质", "count": 3}, {"kind": "true_false", "topic": "", "count": 2}]
    with pytest.raises(ValidationError, match="第2行：题型“填空题”无法识别"):
        services.parse_blueprint_text("单选题,科学素质,3\n填空题,,2")


# --- papers ----------------------------------------------------------------------------------------------

def test_each_candidate_gets_own_paper_drawn_by_blueprint(papers, session):
    assert len(papers) == 3 and len({p.candidate_number for p in papers}) == 3
    orders = []
    for paper in papers:
        drawn = list(ExamPaperItem.objects.filter(paper=paper).select_related("item").order_by("position"))
        assert len(drawn) == 9 and len({d.item_id for d in drawn}) == 9
        kinds = [d.item.kind for d in drawn]
        assert kinds == ["single"] * 5 + ["multiple"] * 2 + ["true_false"] * 2  # grouped by type
        assert sum(d.item.topic == "科学素质" for d in drawn if d.item.kind == "single") >= 3
        assert paper.total_points == sum(d.points for d in drawn) == Decimal(5 * 2 + 2 * 4 + 2 * 1)
        for d in drawn:
            assert sorted(d.option_order) == list(range(len(d.item.options)))
            if d.item.kind == "true_false":
                assert d.option_order == [0, 1]
        orders.append([(d.item_id, tuple(d.option_order)) for d in drawn])
    assert len({tuple(o) for o in orders}) == 3  # shuffled per candidate
    # Deterministic per paper: the stored seed draws the same paper again.
    pools = services._bank_pools("senior")
    again = services.draw_paper(seed=papers[0].seed, blueprint=session.blueprint, pools=pools)
    assert [(pk, tuple(order)) for pk, order, _ in again] == orders[0]
    # Generating again adds nobody twice.
    assert services.exam_papers_generate(session=session, actor=None) == 0


def test_only_candidates_in_exam_get_papers(session, senior, make_user):
    make_candidate(make_user, senior, 50, status="portfolio_review")
    make_candidate(make_user, senior, 51)
    assert services.exam_papers_generate(session=session, actor=None) == 1
    assert ExamPaper.objects.get().application.number.endswith("00051")


# --- the clock -------------------------------------------------------------------------------------------

def _page(client, paper, **params):
    response = client.get(reverse("exam:paper", args=[paper.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def _remaining(page: str) -> int:
    return int(re.search(r'data-remaining="(\d+)"', page).group(1))


def test_start_sets_the_deadline_once_and_a_reload_resumes_it(client, papers, session):
    paper = papers[0]
    client.force_login(paper.application.applicant)
    assert "开始考试" in _page(client, paper)
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    paper.refresh_from_db()
    assert paper.status == P.IN_PROGRESS
    assert paper.deadline == paper.started_at + dt.timedelta(minutes=30)
    first = _remaining(_page(client, paper))
    assert 29 * 60 <= first <= 30 * 60
    # Pretend ten minutes passed since the start (the clock is the server's: started_at and deadline).
    ExamPaper.objects.filter(pk=paper.pk).update(started_at=paper.started_at - dt.timedelta(minutes=10),
                                                 deadline=paper.deadline - dt.timedelta(minutes=10))
    paper.refresh_from_db()
    reload_ = _remaining(_page(client, paper))
    assert 19 * 60 <= reload_ <= 20 * 60
    # Starting again (a second tab, the back button) neither resets nor extends the clock.
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    second_tab = _remaining(_page(client, paper, q=3))
    assert abs(second_tab - reload_) <= 2
    assert ExamPaper.objects.get(pk=paper.pk).deadline == paper.deadline


def test_deadline_is_capped_by_the_session_end(senior, bank, make_user):
    session = make_session(senior, starts=-60, ends=10, duration=30)
    make_candidate(make_user, senior, 9)
    services.exam_papers_generate(session=session, actor=None)
    paper = services.exam_paper_start(paper=ExamPaper.objects.get(), actor=None)
    assert paper.deadline == session.ends_at


def test_start_outside_the_window_is_refused(senior, bank, make_user):
    session = make_session(senior, starts=30, ends=120)
    make_candidate(make_user, senior, 9)
    services.exam_papers_generate(session=session, actor=None)
    with pytest.raises(ValidationError, match="考试尚未开始"):
        services.exam_paper_start(paper=ExamPaper.objects.get(), actor=None)
    with pytest.raises(ValidationError, match="不能再开始作答"):
        services.exam_paper_start(paper=ExamPaper.objects.get(), actor=None,
                                  now=session.ends_at + dt.timedelta(seconds=1))


def _items(paper):
    return list(ExamPaperItem.objects.filter(paper=paper).select_related("item").order_by("position"))


def test_a_late_answer_is_refused_and_the_paper_handed_in(client, papers):
    paper = papers[0]
    client.force_login(paper.application.applicant)
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    first = _items(paper)[0]
    ok = client.post(reverse("exam:paper_save", args=[paper.pk]),
                     {"items": [first.item_id], f"answer-{first.item_id}": first.item.answer},
                     HTTP_ACCEPT="application/json")
    assert ok.status_code == 200 and ok.json()["saved"] is True
    ExamPaper.objects.filter(pk=paper.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    second = _items(paper)[1]
    late = client.post(reverse("exam:paper_save", args=[paper.pk]),
                       {"items": [first.item_id, second.item_id], f"answer-{first.item_id}": "C",
                        f"answer-{second.item_id}": "B"}, HTTP_ACCEPT="application/json")
    assert late.status_code == 409
    assert late.json()["error"] == "考试时间已到，系统已自动交卷，本次提交的答案未保存。"
    assert dict(ExamAnswer.objects.filter(paper=paper).values_list("item_id", "choice")) == {
        first.item_id: first.item.answer}
    paper.refresh_from_db()
    assert paper.status == P.SUBMITTED and paper.hand_in == ExamPaper.HandIn.AUTOMATIC
    assert paper.submitted_at == paper.deadline
    score = StageScore.objects.get(application=paper.application, stage="exam")
    assert score.detail["raw_points"] == "2.0" and score.detail["hand_in"] == "automatic"
    # Without JavaScript the same refusal comes back as a message on the page.
    page = client.post(reverse("exam:paper_save", args=[paper.pk]),
                       {"items": [first.item_id], f"answer-{first.item_id}": "A"}, follow=True).content.decode()
    assert "您已交卷，答案不能再修改。" in page


def test_the_next_request_after_the_deadline_hands_in(client, papers):
    paper = papers[0]
    client.force_login(paper.application.applicant)
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    ExamPaper.objects.filter(pk=paper.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    page = _page(client, paper)
    assert "考试时间已到，系统已自动交卷。" in page and "交卷回执" in page
    assert ExamPaper.objects.get(pk=paper.pk).status == P.SUBMITTED
    assert StageScore.objects.filter(application=paper.application, stage="exam", score=0).exists()


def test_the_beat_task_hands_in_expired_papers_and_marks_absentees(papers, session):
    from reviews.exam_tasks import close_expired_exam_papers

    started, running, never = papers
    services.exam_paper_start(paper=started, actor=None)
    services.exam_paper_start(paper=running, actor=None)
    ExamPaper.objects.filter(pk=started.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    assert close_expired_exam_papers.delay().get() == {"submitted": 1, "absent": 0}
    assert ExamPaper.objects.get(pk=started.pk).status == P.SUBMITTED
    assert ExamPaper.objects.get(pk=running.pk).status == P.IN_PROGRESS
    assert ExamPaper.objects.get(pk=never.pk).status == P.NOT_STARTED
    # After the session ends: the running paper is handed in, the one never started is 缺考.
    ExamSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - dt.timedelta(seconds=1))
    ExamPaper.objects.filter(pk=running.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    assert services.exam_papers_close_expired() == {"submitted": 1, "absent": 1}
    absent = StageScore.objects.get(application=never.application, stage="exam")
    assert absent.absent is True and absent.score is None
    assert services.exam_papers_close_expired() == {"submitted": 0, "absent": 0}  # idempotent
    assert StageScore.objects.filter(stage="exam").count() == 3


# --- answers and scoring ---------------------------------------------------------------------------------

def _right(pi):
    return list(pi.item.answer)


def test_scoring_scales_raw_points_to_100_and_hand_in_is_idempotent(client, papers):
    paper = papers[0]
    client.force_login(paper.application.applicant)
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    drawn = _items(paper)
    data = {"items": [pi.item_id for pi in drawn]}
    expected = Decimal(0)
    for n, pi in enumerate(drawn):
        if n % 2 == 0:  # every other item right
            data[f"answer-{pi.item_id}"] = _right(pi)
            expected += pi.points
        elif pi.item.kind == "multiple":
            data[f"answer-{pi.item_id}"] = _right(pi)[:1]  # a partial multiple choice earns nothing
        else:
            data[f"answer-{pi.item_id}"] = [c for c in "AB" if c not in pi.item.answer][:1]
    response = client.post(reverse("exam:paper_save", args=[paper.pk]), {**data, "action": "submit"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.status == P.SUBMITTED and paper.hand_in == "candidate" and paper.raw_points == expected
    score = StageScore.objects.get(application=paper.application, stage="exam")
    assert score.score == (expected * 100 / paper.total_points).quantize(Decimal("0.01"))
    assert score.detail["raw_points"] == str(expected) and score.detail["total_points"] == str(paper.total_points)
    assert score.absent is False
    again = services.exam_paper_submit(paper=paper, actor=None)
    assert again.submitted_at == paper.submitted_at
    assert StageScore.objects.filter(application=paper.application, stage="exam").count() == 1


def test_answers_are_upserted_one_row_per_item_and_cleared(papers):
    paper = services.exam_paper_start(paper=papers[0], actor=None)
    multi = next(pi for pi in _items(paper) if pi.item.kind == "multiple")
    services.exam_answers_save(paper=paper, answers={multi.item_id: ["C", "A"]}, actor=None)
    services.exam_answers_save(paper=paper, answers={multi.item_id: ["B"]}, actor=None)
    assert list(ExamAnswer.objects.filter(paper=paper).values_list("choice", flat=True)) == ["B"]
    services.exam_answers_save(paper=paper, answers={multi.item_id: []}, actor=None)
    assert list(ExamAnswer.objects.filter(paper=paper).values_list("choice", flat=True)) == [""]


def test_bad_answers_are_refused(papers):
    paper = services.exam_paper_start(paper=papers[0], actor=None)
    other = _items(papers[1])
    mine = {pi.item_id for pi in _items(paper)}
    foreign = next(pi.item_id for pi in other if pi.item_id not in mine)
    single = next(pi for pi in _items(paper) if pi.item.kind == "single")
    with pytest.raises(ValidationError, match="不属于您的试卷"):
        services.exam_answers_save(paper=paper, answers={foreign: "A"}, actor=None)
    with pytest.raises(ValidationError, match="只能选择一个答案"):
        services.exam_answers_save(paper=paper, answers={single.item_id: ["A", "B"]}, actor=None)
    with pytest.raises(ValidationError, match="不属于该题"):
        services.exam_answers_save(paper=paper, answers={single.item_id: "H"}, actor=None)
    with pytest.raises(ValidationError, match="请先开始考试"):
        services.exam_answers_save(paper=papers[1], answers={foreign: "A"}, actor=None)
    assert not ExamAnswer.objects.exists()


def test_without_javascript_save_and_move_one_question_at_a_time(client, papers):
    paper = papers[0]
    client.force_login(paper.application.applicant)
    client.post(reverse("exam:paper_start", args=[paper.pk]))
    page = _page(client, paper, q=1)
    assert page.count('class="question panel"') == 1 and "第1题" in page and "保存并下一题" in page
    assert 'src="/static/reviews/exam/exam.js"' in page and "<script>" not in page and "style=" not in page
    first = _items(paper)[0]
    response = client.post(reverse("exam:paper_save", args=[paper.pk]),
                           {"items": [first.item_id], f"answer-{first.item_id}": "A", "goto": "2"})
    assert response.status_code == 302 and response["Location"].endswith("?q=2")
    assert ExamAnswer.objects.get(paper=paper, item_id=first.item_id).choice == "A"
    page = _page(client, paper, q=1)
    assert re.search(r'value="A" checked', page)
    assert _page(client, paper).count('class="question panel"') == 9  # all on one page


# --- permissions ------------------------------------------------------------------------------------------

def test_another_candidates_paper_does_not_exist_for_you(client, papers):
    mine, theirs = papers[0], papers[1]
    services.exam_paper_start(paper=theirs, actor=None)
    item = _items(theirs)[0]
    client.force_login(mine.application.applicant)
    assert client.get(reverse("exam:paper", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("exam:paper_start", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("exam:paper_save", args=[theirs.pk]),
                           {"items": [item.item_id], f"answer-{item.item_id}": "A"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert client.get(reverse("exam:ticket", args=[theirs.pk])).status_code == 404
    assert not ExamAnswer.objects.exists()
    assert ExamPaper.objects.get(pk=mine.pk).status == P.NOT_STARTED


def test_secretariat_pages_only_for_the_campaigns_authority(client, papers, senior, national_secretariat,
                                                            jiangsu_secretariat, applicant):
    url = reverse("exam:manage_campaign", args=[senior.slug])
    client.force_login(jiangsu_secretariat)
    assert client.get(url).status_code == 404
    assert client.get(reverse("exam:manage_import", args=[senior.slug])).status_code == 404
    assert client.get(reverse("exam:ticket", args=[papers[0].pk])).status_code == 404
    assert client.post(reverse("exam:manage_generate", args=[senior.slug])).status_code == 404
    client.force_login(applicant)
    assert client.get(url).status_code == 403
    client.force_login(national_secretariat)
    page = client.get(url).content.decode()
    assert page.count('class="candidate-row"') == 3 and papers[0].candidate_number in page and "考生1" in page
    assert client.get(reverse("exam:ticket", args=[papers[0].pk])).status_code == 200


def test_secretariat_creates_the_session_and_generates_papers(client, senior, bank, make_user, national_secretariat):
    for i in range(1, 3):
        make_candidate(make_user, senior, i)
    client.force_login(national_secretariat)
    url = reverse("exam:manage_campaign", args=[senior.slug])
    start = timezone.localtime() - dt.timedelta(minutes=5)
    form = {"title": "2023高级笔试", "mode": "online", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60,
            "blueprint_text": "单选题,科学素质,30", "rules": "独立作答"}
    page = client.post(url, form).content.decode()
    assert "题库中“单选题·科学素质”只有8道，少于组卷要求的30道。" in page
    assert not ExamSession.objects.exists()
    client.post(url, {**form, "blueprint_text": "单选题,科学素质,3\n判断题,,2"})
    session = ExamSession.objects.get()
    assert session.blueprint == [{"kind": "single", "topic": "科学素质", "count": 3},
                                 {"kind": "true_false", "topic": "", "count": 2}]
    client.post(reverse("exam:manage_generate", args=[senior.slug]))
    assert ExamPaper.objects.filter(session=session).count() == 2
    assert "已为2名考生生成试卷" in client.get(url).content.decode()


# --- 考试中心 and the ticket --------------------------------------------------------------------------------

def test_menu_lands_on_the_exam_centre(client, papers):
    applicant = papers[0].application.applicant
    client.force_login(applicant)
    page = client.get(reverse("applicants:my_certifications")).content.decode()
    assert f'href="{reverse("exam:centre")}">考试中心</a>' in page
    centre = client.get(reverse("exam:centre")).content.decode()
    assert papers[0].candidate_number in centre and "进入考试" in centre and "下载准考证" in centre
    assert papers[1].candidate_number not in centre


def test_ticket_pdf_has_photo_number_session_and_rules(client, papers, senior):
    from applicants import services as applicant_services
    from tests.applicants.conftest import image_bytes, upload

    paper = papers[0]
    profile = paper.application.applicant.applicant_profile
    profile.photo.save("me.png", upload("me.png", image_bytes(), "image/png"), save=True)
    applicant_services  # noqa: B018 — the photo is stored as the profile service would
    client.force_login(paper.application.applicant)
    response = client.get(reverse("exam:ticket", args=[paper.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("准考证", paper.candidate_number, "考生1", paper.session.title, "考试须知", "请独立作答",
                     paper.application.number, "30 分钟"):
        assert expected in text, expected
    images = [x for page in reader.pages for x in page.images]
    assert len(images) == 1  # the photo


# --- speed -----------------------------------------------------------------------------------------------

def test_exam_page_queries_do_not_grow_with_the_bank(client, papers, senior):
    paper = services.exam_paper_start(paper=papers[0], actor=None)
    client.force_login(paper.application.applicant)
    _page(client, paper)
    with CaptureQueriesContext(connection) as small:
        _page(client, paper)
    make_bank(singles=300, other_singles=100, multiples=100, true_false=100, prefix="BIG")
    with CaptureQueriesContext(connection) as big:
        _page(client, paper)
    assert len(big.captured_queries) == len(small.captured_queries)


# --- admin ----------------------------------------------------------------------------------------------

def test_admin_refuses_to_change_a_started_session_with_a_message(client, papers, session, make_user):
    from certification.models import Role

    admin_user = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    services.exam_paper_start(paper=papers[0], actor=None)
    url = reverse("admin:reviews_examsession_change", args=[session.pk])
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    form = {"campaign": session.campaign_id, "title": session.title, "mode": "online",
            "starts_at_0": f"{start:%Y-%m-%d}", "starts_at_1": f"{start:%H:%M:%S}",
            "ends_at_0": f"{end:%Y-%m-%d}", "ends_at_1": f"{end:%H:%M:%S}",
            "duration_minutes": 90, "blueprint": '[{"kind": "single", "topic": "", "count": 5}]', "rules": ""}
    page = client.post(url, form)
    assert page.status_code == 200 and "已有考生开始作答" in page.content.decode()
    assert ExamSession.objects.get(pk=session.pk).duration_minutes == 30
    assert client.get(reverse("admin:reviews_questionitem_import")).status_code == 200
