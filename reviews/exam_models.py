"""The written exam (笔试) in the exam centre (考试中心): question bank, sessions, papers, answers, score imports.

An exam session belongs to one campaign and says when the exam may be taken (window), for how long
(duration) and what a paper holds (blueprint: how many items of each type and topic). Each candidate (an
application of the campaign in status `exam`) gets one `ExamPaper`, drawn from the bank of the campaign's
level with the paper's own seed; the drawn order of items and of each item's options is stored
(`ExamPaperItem`), so a reload shows the same paper. The clock is the server's: `deadline` is fixed when the
candidate starts (start + duration, capped by the session's end) and never moves. Answers are rows, one per
(paper, item), written by upsert. On hand-in the objective items are scored and the exam's `StageScore` is
written (services in `reviews.exam_services`).

Scores from an external exam centre come in as `ExamScoreImport` files: previewed first, then written all
or nothing.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from applicants.models import Application
from certification.models import Campaign, Level

__all__ = ["ItemKind", "QuestionItem", "ExamSession", "ExamPaper", "ExamPaperItem", "ExamAnswer", "ExamScoreImport"]

OPTION_LETTERS = "ABCDEFGH"


class ItemKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"


TRUE_FALSE_OPTIONS = ["正确", "错误"]


class QuestionItem(models.Model):
    """One item of the question bank of a level. `answer` holds the letters of the right options (A = the
    first of `options` as stored here), sorted; a true/false item has the options 正确, 错误."""

    level = models.CharField("级别", max_length=12, choices=Level.choices)
    code = models.CharField("试题编号", max_length=30)
    kind = models.CharField("题型", max_length=12, choices=ItemKind.choices)
    topic = models.CharField("知识点", max_length=50)
    stem = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True, help_text="按A、B、C…顺序的选项文字列表。")
    answer = models.CharField("答案", max_length=8, help_text="正确选项的字母，多选题如 ACD；判断题 A=正确，B=错误。")
    points = models.DecimalField("分值", max_digits=5, decimal_places=1,
                                 validators=[MinValueValidator(0.5), MaxValueValidator(100)])
    active = models.BooleanField("启用", default=True, help_text="停用的试题不再抽入新试卷，已抽入的试卷不受影响。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["level", "code"]
        verbose_name = verbose_name_plural = "题库试题"
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="exam_item_code_unique_per_level",
                                    violation_error_message="同一级别的试题编号不能重复。"),
            models.CheckConstraint(condition=Q(points__gt=0), name="exam_item_points_positive"),
        ]
        indexes = [models.Index(fields=["level", "kind", "topic"], condition=Q(active=True),
                                name="exam_item_draw_idx")]

    def __str__(self):
        return f"{self.code} {self.get_kind_display()}"

    def clean(self):
        errors = {}
        options = self.options if isinstance(self.options, list) else None
        if self.kind == ItemKind.TRUE_FALSE:
            self.options = list(TRUE_FALSE_OPTIONS)
            options = self.options
        elif options is None or not 2 <= len(options) <= len(OPTION_LETTERS) or \
                not all(isinstance(o, str) and o.strip() for o in options):
            errors["options"] = f"选择题须有2至{len(OPTION_LETTERS)}个非空选项。"
            options = None
        answer = "".join(sorted(set((self.answer or "").upper().replace(",", "").replace("，", "").replace(" ", ""))))
        self.answer = answer
        if options is not None:
            valid = OPTION_LETTERS[:len(options)]
            if not answer or any(ch not in valid for ch in answer):
                errors["answer"] = f"答案“{answer}”不是有效的选项字母（可选 {'、'.join(valid)}）。"
            elif self.kind in (ItemKind.SINGLE, ItemKind.TRUE_FALSE) and len(answer) != 1:
                errors["answer"] = f"{self.get_kind_display()}只能有一个正确答案。"
            elif self.kind == ItemKind.MULTIPLE and len(answer) < 2:
                errors["answer"] = "多选题至少有两个正确答案。"
        if errors:
            raise ValidationError(errors)


class ExamSession(models.Model):
    """The written exam of one campaign: online in the exam centre, or scores imported from an external
    exam centre."""

    class Mode(models.TextChoices):
        ONLINE = "online", "线上考试（考试中心）"
        EXTERNAL = "external", "外部考点（导入成绩）"

    campaign = models.OneToOneField(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                    related_name="exam_session")
    title = models.CharField("考试名称", max_length=100)
    mode = models.CharField("考试方式", max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    starts_at = models.DateTimeField("开考时间")
    ends_at = models.DateTimeField("考试截止时间", help_text="此时间后不能再开始或作答，未交卷的试卷自动交卷。")
    duration_minutes = models.PositiveSmallIntegerField("考试时长（分钟）",
                                                        validators=[MinValueValidator(1), MaxValueValidator(600)])
    blueprint = models.JSONField(
        "组卷规则", default=list, blank=True,
        help_text='形如 [{"kind": "single", "topic": "科学素质", "count": 10}]；topic 为空表示不限知识点。')
    rules = models.TextField("考试须知", blank=True, help_text="印在准考证上，并在开考前显示。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = verbose_name_plural = "考试场次"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="exam_session_window_ordered",
                                   violation_error_message="考试截止时间必须晚于开考时间。"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_online(self) -> bool:
        return self.mode == self.Mode.ONLINE

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "考试截止时间必须晚于开考时间。"})
        if self.mode == self.Mode.ONLINE:
            from .exam_services import blueprint_errors

            level = self.campaign.level if self.campaign_id else None
            errors = blueprint_errors(self.blueprint, level=level)
            if errors:
                raise ValidationError({"blueprint": errors})


class ExamPaper(models.Model):
    """One candidate's paper. `deadline` is set once, when the candidate starts, and never moves."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "作答中"
        SUBMITTED = "submitted", "已交卷"
        ABSENT = "absent", "缺考"

    class HandIn(models.TextChoices):
        CANDIDATE = "candidate", "考生交卷"
        AUTOMATIC = "automatic", "到时自动交卷"

    session = models.ForeignKey(ExamSession, verbose_name="考试场次", on_delete=models.PROTECT, related_name="papers")
    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="exam_papers")
    candidate_number = models.CharField("准考证号", max_length=20, unique=True)
    seed = models.BigIntegerField("抽题种子")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = models.DateTimeField("开始作答时间", null=True, blank=True)
    deadline = models.DateTimeField("交卷截止时间", null=True, blank=True)
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    hand_in = models.CharField("交卷方式", max_length=10, choices=HandIn.choices, blank=True)
    total_points = models.DecimalField("试卷总分", max_digits=7, decimal_places=1, default=0)
    raw_points = models.DecimalField("得分（原始分）", max_digits=7, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["session", "candidate_number"]
        verbose_name = verbose_name_plural = "试卷"
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="one_paper_per_session_application"),
            models.CheckConstraint(condition=Q(status="not_started") | Q(status="absent") |
                                   Q(started_at__isnull=False, deadline__isnull=False),
                                   name="exam_paper_started_has_deadline"),
            models.CheckConstraint(condition=~Q(status="submitted") | Q(submitted_at__isnull=False,
                                                                         raw_points__isnull=False),
                                   name="exam_paper_submitted_is_scored"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="exam_paper_expiry_idx")]

    def __str__(self):
        return self.candidate_number


class ExamPaperItem(models.Model):
    """An item as drawn into one paper: its position and the shuffled order of its options
    (`option_order[i]` is the index in `item.options` shown as the i-th option)."""

    paper = models.ForeignKey(ExamPaper, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(QuestionItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField("题号")
    option_order = models.JSONField("选项顺序", default=list)
    points = models.DecimalField("分值", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["paper", "position"]
        verbose_name = verbose_name_plural = "试卷试题"
        constraints = [
            models.UniqueConstraint(fields=["paper", "item"], name="exam_paper_item_once"),
            models.UniqueConstraint(fields=["paper", "position"], name="exam_paper_position_once"),
        ]

    def __str__(self):
        return f"{self.paper_id}#{self.position}"


class ExamAnswer(models.Model):
    """The candidate's current answer to one item of their paper: original option letters, sorted."""

    paper = models.ForeignKey(ExamPaper, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(QuestionItem, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField("所选答案", max_length=8, blank=True)
    points_awarded = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    saved_at = models.DateTimeField("保存时间")

    class Meta:
        verbose_name = verbose_name_plural = "考生答案"
        constraints = [models.UniqueConstraint(fields=["paper", "item"], name="exam_answer_once_per_item")]

    def __str__(self):
        return f"{self.paper_id}:{self.item_id}={self.choice}"


def exam_import_upload_to(instance, filename):
    return f"reviews/exam-imports/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:6]}"


class ExamScoreImport(models.Model):
    """An upload of scores from an external exam centre: previewed, then confirmed (all rows or none)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        IMPORTED = "imported", "已导入"
        REJECTED = "rejected", "有错误，未导入"

    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="exam_score_imports")
    upload = models.FileField("导入文件", upload_to=exam_import_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField("数据行数", default=0)
    absent_count = models.PositiveIntegerField("缺考人数", default=0)
    error_report = models.JSONField("错误行", default=list, blank=True)
    rows = models.JSONField("读取的数据行", default=list, blank=True, editable=False,
                            help_text="预览时从文件读出的 [行号, 申报编号, 成绩, 缺考]；确认导入时据此再次校验并写入。")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "外部笔试成绩导入"

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"
