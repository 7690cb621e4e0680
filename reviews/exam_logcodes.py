"""Audit codes of the written exam (reviews.exam.*) and their labels; registered from ReviewsConfig.ready()."""

from certification import logdisplay

LABELS = {
    "reviews.exam.bank_imported": "笔试题库导入",
    "reviews.exam.session_saved": "笔试考试场次已保存",
    "reviews.exam.papers_generated": "生成笔试试卷与准考证",
    "reviews.exam.started": "开始笔试作答",
    "reviews.exam.submitted": "笔试交卷",
    "reviews.exam.auto_submitted": "笔试到时自动交卷",
    "reviews.exam.absent": "笔试缺考",
    "reviews.exam.scored": "笔试成绩已记录",
    "reviews.exam.import_previewed": "外部笔试成绩导入预览",
    "reviews.exam.import_rejected": "外部笔试成绩导入未通过校验",
    "reviews.exam.imported": "外部笔试成绩已导入",
}


def ready() -> None:
    """Register the labels, the permission rules, the periodic task and the admin pages of the exam."""
    logdisplay.register(LABELS)
    from . import exam_admin, exam_rules, exam_tasks  # noqa: F401
