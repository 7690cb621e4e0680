# ruff: noqa: F811 — fixtures are imported from exam_fixtures (not a conftest, so the other reviews tests stay unaffected)
"""Scores from an external exam centre: preview first, then all rows or none; every kind of bad row reported
by its Excel row number; absentees marked."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applicants.models import Application
from reviews import exam_services as services
from reviews.exam_models import ExamScoreImport
from reviews.models import StageScore

from .exam_fixtures import bank, make_candidate, make_session, national_secretariat, senior, xlsx  # noqa: F401

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(rows, name="scores.xlsx", **kwargs):
    return SimpleUploadedFile(name, xlsx(rows, **kwargs), content_type=XLSX_TYPE)


@pytest.fixture
def external(senior, bank, make_user):
    make_session(senior, mode="external", blueprint=[])
    return [make_candidate(make_user, senior, i) for i in range(1, 5)]


def test_preview_writes_nothing_then_confirm_writes_all_rows(external, senior, national_secretariat):
    a1, a2, a3, a4 = external
    record = services.exam_score_import_preview(campaign=senior, actor=national_secretariat, upload=upload([
        (a1.number, 88.5, ""), (a2.number, "92", None), (a3.number, "缺考", ""), (a4.number, None, "是"),
    ]))
    assert record.status == ExamScoreImport.Status.PREVIEWED and record.row_count == 4 and record.error_report == []
    assert record.absent_count == 2
    assert not StageScore.objects.exists()
    services.exam_score_import_confirm(record=record, actor=national_secretariat)
    scores = {s.application_id: s for s in StageScore.objects.filter(stage="exam")}
    assert scores[a1.pk].score == Decimal("88.50") and scores[a2.pk].score == Decimal("92.00")
    assert scores[a3.pk].absent and scores[a3.pk].score is None
    assert scores[a4.pk].absent and scores[a4.pk].score is None
    assert scores[a1.pk].detail == {"source": "import", "import": record.pk, "row": 2}
    record.refresh_from_db()
    assert record.status == ExamScoreImport.Status.IMPORTED
    with pytest.raises(ValidationError, match="不能导入"):
        services.exam_score_import_confirm(record=record, actor=national_secretariat)


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(external, senior, make_user,
                                                                   national_secretariat):
    a1, a2, a3, a4 = external
    other = make_candidate(make_user, senior, 30, status="portfolio_review")
    record = services.exam_score_import_preview(campaign=senior, actor=national_secretariat, upload=upload([
        (a1.number, 80, ""),          # 2 good
        ("T999999", 70, ""),          # 3 unknown number
        (a2.number, 105, ""),         # 4 above 100
        (a3.number, -1, ""),          # 5 below 0
        (a1.number, 75, ""),          # 6 duplicate of row 2
        (a4.number, "八十", ""),       # 7 not a number
        ("", 60, ""),                 # 8 no number
        (other.number, 60, ""),       # 9 not in the exam stage
        (a4.number + "X", None, ""),  # 10 unknown and no score
    ]))
    assert record.status == ExamScoreImport.Status.REJECTED
    by_row = {e["row"]: " ".join(e["messages"]) for e in record.error_report}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "申报编号“T999999”不是本认证活动的申请。" in by_row[3]
    assert "成绩 105 超出0–100的范围。" in by_row[4]
    assert "成绩 -1 超出0–100的范围。" in by_row[5]
    assert f"申报编号“{a1.number}”与第2行重复。" in by_row[6]
    assert "成绩“八十”不是数字。" in by_row[7]
    assert "申报编号不能为空。" in by_row[8]
    assert "不在笔试阶段" in by_row[9]
    assert "不是本认证活动的申请" in by_row[10] and "成绩为空" in by_row[10]
    assert not StageScore.objects.exists()
    with pytest.raises(ValidationError):
        services.exam_score_import_confirm(record=record, actor=national_secretariat)
    assert not StageScore.objects.exists()


def test_confirm_checks_again_and_writes_none_when_a_row_went_bad(external, senior, national_secretariat):
    from applicants.services import application_transition

    a1, a2, *_ = external
    record = services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                                upload=upload([(a1.number, 80, ""), (a2.number, 90, "")]))
    assert record.status == ExamScoreImport.Status.PREVIEWED
    # Between preview and confirm one application leaves the exam stage.
    application_transition(application=a2, to=Application.Status.NOT_CERTIFIED, actor=None,
                           action="reviews.ranking.decided", template=None)
    with pytest.raises(ValidationError, match="有1行错误，全部数据均未导入") as exc:
        services.exam_score_import_confirm(record=record, actor=national_secretariat)
    assert exc.value.error_rows[0]["row"] == 3
    assert not StageScore.objects.exists()  # the good row 2 is not written either
    record.refresh_from_db()
    assert record.status == ExamScoreImport.Status.REJECTED and record.error_report[0]["row"] == 3


def test_re_import_corrects_earlier_scores(external, senior, national_secretariat):
    a1 = external[0]
    for value in (60, 65):
        record = services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                                    upload=upload([(a1.number, value, "")]))
        services.exam_score_import_confirm(record=record, actor=national_secretariat)
    assert list(StageScore.objects.filter(stage="exam").values_list("score", flat=True)) == [Decimal("65.00")]


def test_bad_files_and_online_sessions_are_refused(senior, bank, make_user, national_secretariat):
    make_candidate(make_user, senior, 1)
    with pytest.raises(ValidationError, match="缺少以下列：成绩"):
        services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                           upload=upload([("T1", "x")], headers=("申报编号", "分数")))
    with pytest.raises(ValidationError, match="不是XLSX文件"):
        services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                           upload=SimpleUploadedFile("s.csv", b"a,b\n", content_type="text/csv"))
    with pytest.raises(ValidationError, match="无法读取文件"):
        services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                           upload=SimpleUploadedFile("s.xlsx", b"not a zip", content_type=XLSX_TYPE))
    make_session(senior)  # online: the system scores the papers
    with pytest.raises(ValidationError, match="在线进行"):
        services.exam_score_import_preview(campaign=senior, actor=national_secretariat,
                                           upload=upload([("T1", 50, "")]))
    assert not ExamScoreImport.objects.exists()


def test_import_pages_preview_then_confirm(client, external, senior, national_secretariat, jiangsu_secretariat):
    a1, a2, *_ = external
    url = reverse("exam:manage_import", args=[senior.slug])
    client.force_login(jiangsu_secretariat)
    assert client.post(url, {"upload": upload([(a1.number, 80, "")])}).status_code == 404
    client.force_login(national_secretariat)
    response = client.post(url, {"upload": upload([(a1.number, 80, ""), (a2.number, 101, "")])})
    record = ExamScoreImport.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "第3行" in page and "超出0–100的范围" in page and "全部数据均未导入" in page and "确认导入" not in page
    response = client.post(url, {"upload": upload([(a1.number, 80, ""), (a2.number, "缺考", "")])})
    record = ExamScoreImport.objects.latest("pk")
    page = client.get(response["Location"]).content.decode()
    assert "确认导入全部 2 行" in page and not StageScore.objects.exists()
    page = client.post(reverse("exam:manage_import_confirm", args=[senior.slug, record.pk]), follow=True)
    assert "已导入2行笔试成绩（其中缺考1人）" in page.content.decode()
    assert StageScore.objects.filter(stage="exam").count() == 2


def _statements(campaign, actor, rows):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        record = services.exam_score_import_preview(campaign=campaign, actor=actor, upload=upload(rows))
        services.exam_score_import_confirm(record=record, actor=actor)
    record.refresh_from_db()
    assert record.status == ExamScoreImport.Status.IMPORTED, record.error_report
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_preview_and_confirm_cost_the_same_statements_for_2_or_12_rows(external, senior, make_user,
                                                                        national_secretariat):
    """Set-based like the legacy import (issue 13 item 2): numbers resolved in one query, scores written with
    one upsert, one audit row per step; nothing per row."""
    more = [make_candidate(make_user, senior, i) for i in range(10, 20)]
    few = _statements(senior, national_secretariat, [(a.number, 70, "") for a in external[:2]])
    many = _statements(senior, national_secretariat, [(a.number, 80, "") for a in [*external[2:], *more]])
    assert len(many) == len(few), "\n".join(many)
    assert StageScore.objects.filter(stage="exam").count() == 14
