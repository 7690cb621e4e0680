"""Ranked results of a campaign as XLSX, written row by row (openpyxl write-only) and streamed from a spooled
temporary file, so a large campaign never sits in memory as one workbook. Text that a spreadsheet would take for a
formula (starting with = + - @, a tab or a carriage return) is neutralised with a leading apostrophe."""

import tempfile
from decimal import Decimal

from openpyxl import Workbook

from .ranking_selectors import decision_label, ranking_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["名次", "同分处理后名次", "申报编号", "姓名", "工作单位", "所在省份", "业绩成果评审", "笔试", "答辩",
          "加权总分", "结论"]


def safe_cell(value):
    """Numbers stay numbers; text starting like a formula gets an apostrophe so it is shown, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _stage(score, absent):
    if absent:
        return "缺考/缺席"
    return score


def results_workbook(campaign) -> tempfile.SpooledTemporaryFile:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("排名结果")
    ws.append([safe_cell(f"{campaign.title} 成绩排名")])
    ws.append([safe_cell(h) for h in HEADER])
    for r in ranking_rows(campaign).iterator(chunk_size=2000):
        snap = r.application.profile_snapshot or {}
        ws.append([safe_cell(v) for v in [
            r.rank, r.decision_rank if r.in_pool else None, r.application.number,
            snap.get("full_name") or str(r.application.applicant), snap.get("employer", ""), snap.get("province", ""),
            _stage(r.portfolio, r.portfolio_absent),
            _stage(r.exam, r.exam_absent) if campaign.has_exam else "—",
            _stage(r.defense, r.defense_absent) if campaign.has_defense else "—",
            r.total, decision_label(r)]])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out
