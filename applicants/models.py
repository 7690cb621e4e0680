"""Applicant profiles, applications and their dossiers. Writes go through `applicants.services`."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

# The engine's vocabularies are the single source for what the rules compare.
from certification.enums import AchievementCategory, ApplicantCategory, AwardGrade, Education, Level, Scope  # noqa: F401
from certification.models import Campaign, Province


def _private_name(prefix: str, filename: str) -> str:
    # Never trust the uploaded name: it may carry "../" or a misleading extension. Keep only a safe suffix.
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in {".pdf", ".jpg", ".jpeg", ".png"}:
        suffix = ""
    return f"applicants/{prefix}/{uuid.uuid4().hex}{suffix}"


def photo_upload_to(instance, filename):
    return _private_name("photos", filename)


def entry_upload_to(instance, filename):
    return _private_name("evidence", filename)


def scan_upload_to(instance, filename):
    return _private_name("scans", filename)


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class ApplicantProfile(models.Model):
    """申报书 A: the applicant's basic information, kept once and reused by every application."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                                related_name="applicant_profile")
    full_name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices, blank=True,
                              help_text="由身份证号码自动得出。")
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    id_number = models.CharField("身份证号码", max_length=18, unique=True, null=True, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True, help_text="由身份证号码自动得出。")
    education = models.CharField("最高学历", max_length=16, choices=Education.choices, blank=True)
    major = models.CharField("专业", max_length=50, blank=True)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    province = models.ForeignKey(Province, verbose_name="所在省份", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    city = models.CharField("所在市", max_length=30, blank=True)
    county = models.CharField("所在县（区）", max_length=30, blank=True)
    position = models.CharField("职务（职称）", max_length=50, blank=True)
    landline = models.CharField("固定电话", max_length=20, blank=True,
                                validators=[RegexValidator(r"^[0-9\-]{7,20}$", "固定电话格式不正确。")])
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    mailing_address = models.CharField("证书邮寄地址", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True,
                                validators=[RegexValidator(r"^\d{6}$", "邮政编码应为6位数字。")])
    member_number = models.CharField("会员编号", max_length=30, blank=True)
    member_valid_until = models.CharField("会籍有效期（年-月）", max_length=7, blank=True,
                                          validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                                     "请按“2025-12”格式填写年月。")])
    photo = models.FileField("1寸免冠彩色近照", upload_to=photo_upload_to, blank=True)
    statement = models.TextField("个人简介", blank=True, validators=[MaxLengthValidator(800)],
                                 help_text="不超过800字：从事青少年科技教育工作的经历等。")
    years_in_st_education = models.PositiveSmallIntegerField("从事青少年科技教育工作年数", null=True, blank=True,
                                                             validators=[MaxValueValidator(70)])
    work_start_date = models.DateField("连续从事科技辅导员工作的起始日期", null=True, blank=True)
    part_time = models.BooleanField("兼职科技辅导员", default=False)
    category = models.CharField("人员类别", max_length=24, choices=ApplicantCategory.choices,
                                default=ApplicantCategory.SCHOOL_TEACHER)
    declaration_accepted = models.BooleanField(
        "本人拥护中国共产党的领导，热爱祖国，遵纪守法；热爱青少年科技教育事业，具备良好的职业道德和敬业精神",
        default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请人基本情况"

    def __str__(self):
        return self.full_name

    @property
    def is_member(self) -> bool:
        return bool(self.member_number)


class PriorCertification(models.Model):
    profile = models.ForeignKey(ApplicantProfile, on_delete=models.CASCADE, related_name="prior_certifications")
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField("获得年份", validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    province = models.ForeignKey(Province, verbose_name="颁证省级协会", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="由全国协会认证的请留空。")
    certificate_number = models.CharField("证书编号", max_length=40, blank=True)

    class Meta:
        ordering = ["year", "pk"]
        verbose_name = verbose_name_plural = "已获认证"

    def __str__(self):
        return f"{self.year} {self.get_level_display()}"


class TrainingRecord(models.Model):
    """A continuing-education training: counts toward training hours and lists in the profile statement."""

    profile = models.ForeignKey(ApplicantProfile, on_delete=models.CASCADE, related_name="trainings")
    name = models.CharField("培训名称", max_length=100)
    organiser = models.CharField("主办单位", max_length=100)
    certificate_number = models.CharField("培训证书编号", max_length=50, blank=True)
    held_on = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    by_cast = models.BooleanField("科协系统培训", default=False)

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = verbose_name_plural = "培训记录"

    def __str__(self):
        return self.name


class Honour(models.Model):
    """Titles and contest awards that open an exceptional track (破格认证)."""

    class Kind(models.TextChoices):
        TITLE = "title", "荣誉称号"
        CONTEST_AWARD = "contest_award", "竞赛获奖"

    profile = models.ForeignKey(ApplicantProfile, on_delete=models.CASCADE, related_name="honours")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("称号或奖项名称", max_length=100)
    contest = models.CharField("大赛或评选名称", max_length=100)
    award = models.CharField("等次", max_length=20, choices=AwardGrade.choices, blank=True)
    year = models.PositiveSmallIntegerField("年份", validators=[MinValueValidator(1980), MaxValueValidator(2100)])

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = verbose_name_plural = "荣誉与获奖"

    def __str__(self):
        return self.title


class Application(models.Model):
    """One applicant's application to one campaign (one level); its dossier entries hang off it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交，待缴费"
        UNDER_REVIEW = "under_review", "资格审查中"
        RETURNED = "returned", "退回修改"
        ELIGIBLE = "eligible", "资格审查通过"
        INELIGIBLE = "ineligible", "资格审查未通过"
        # The scored stages (SPEC §5); a campaign skips the ones it does not have.
        PORTFOLIO_REVIEW = "portfolio_review", "业绩成果评审中"
        EXAM = "exam", "笔试阶段"
        SHORTLISTED = "shortlisted", "入围答辩"
        NOT_SHORTLISTED = "not_shortlisted", "未入围答辩"
        CERTIFIED = "certified", "认证通过"
        NOT_CERTIFIED = "not_certified", "未通过认证"
        # A complaint upheld during the public notice cancels the certification.
        CANCELLED = "cancelled", "认证已取消"
        WITHDRAWN = "withdrawn", "已取消报名"

    class Track(models.TextChoices):
        REGULAR = "regular", "常规认证"
        EXCEPTIONAL = "exceptional", "破格认证"

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="applications")
    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="applications")
    level = models.CharField("认证级别", max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField("认证年度")
    track = models.CharField("认证方式", max_length=12, choices=Track.choices, default=Track.REGULAR)
    number = models.CharField("申报编号", max_length=32, unique=True, null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    paid_at = models.DateTimeField("缴费完成时间", null=True, blank=True)
    amendment_deadline = models.DateTimeField("修改截止时间", null=True, blank=True)
    amendment_used = models.BooleanField("已使用修改机会", default=False)
    return_reason = models.TextField("退回修改原因", blank=True)
    narrative = models.TextField("指导学生参赛获奖简述", blank=True, validators=[MaxLengthValidator(300)],
                                 help_text="请选B1中的1条，简述您如何指导学生完成项目研究或参赛获奖（300字以内）。")
    signed_scan = models.FileField("签字盖章申报书扫描件", upload_to=scan_upload_to, blank=True)
    signed_scan_name = models.CharField("扫描件原文件名", max_length=120, blank=True)
    profile_snapshot = models.JSONField("提交时的基本情况", default=dict, blank=True)
    eligibility_result = models.JSONField(
        "提交时的资格自动核验结果", default=dict, blank=True,
        help_text=(
            "由 applicants.eligibility.result_snapshot() 在提交（及修改后重新提交）时写入，供资格审查工作台显示；"
            "草稿为空 {}。结构：{\"computed_at\": ISO 8601 时间（含时区）, \"track\": \"regular\"|\"exceptional\", "
            "\"outcome\": \"passed\"|\"needs_review\"|\"failed\"（常规条件总体结果）, "
            "\"criteria\": [{\"code\", \"clause\"（条款，如“第二条第3款”）, \"outcome\"（同上三值）, "
            "\"explanation\"（中文说明）, \"text\"（通知原文）, \"kind\"}], "
            "\"exceptional\": [同 criteria 的破格条件结果]}。"
            "提交时任一常规条件为 failed 即不能提交（破格认证以破格条件为准），因此已提交的申请中"
            "只会出现 passed 与 needs_review（needs_review 由秘书处审核）。"))
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "认证申请"
        constraints = [
            models.UniqueConstraint(fields=["applicant", "campaign"], name="one_application_per_campaign"),
            # One level per applicant per campaign year, and "申报后不允许更换" (notice 002 二.2): only a draft
            # withdrawn before it was ever submitted frees the year.
            models.UniqueConstraint(fields=["applicant", "year"],
                                    condition=~Q(status="withdrawn") | Q(submitted_at__isnull=False),
                                    name="one_active_level_per_year",
                                    violation_error_message="同一认证年度只能申报一个级别。"),
        ]
        indexes = [
            # The secretariat list (drafts are never on it): its order, and with the covered columns a page's ids
            # and the count come from an index-only scan instead of sorting or counting the wide rows.
            models.Index(fields=["campaign", "number"], include=["id", "status", "level", "track"],
                         condition=~Q(status="draft"), name="application_list_order"),
        ]

    def __str__(self):
        return self.number or f"{self.campaign} · {self.applicant}"

    @property
    def is_editable(self) -> bool:
        """The dossier is locked from submission on, except while returned for its one amendment."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    # For templates: they ask these instead of comparing status strings, so a renamed value cannot slip past.
    @property
    def awaits_payment(self) -> bool:
        """Submitted and waiting for its fee: the applicant's pages link to 去缴费."""
        return self.status == self.Status.SUBMITTED

    @property
    def is_returned(self) -> bool:
        return self.status == self.Status.RETURNED


class DossierEntry(models.Model):
    """One row of a dossier table (B1…C6 or a junior evidence category); columns per `applicants.catalogue`."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="entries")
    item_code = models.CharField("项目", max_length=8)
    fields = models.JSONField("内容", default=dict)
    occurred_on = models.DateField("时间")
    scope = models.CharField("级别（国家级/省部级等）", max_length=16, choices=Scope.choices, blank=True)
    # Asked only where the catalogue item says so (`Item.category_choices`, `Item.asks_first_supervisor`).
    achievement_category = models.CharField("成果类别", max_length=24, choices=AchievementCategory.choices,
                                            blank=True)
    first_supervisor = models.BooleanField("是否第一指导教师", null=True, blank=True,
                                           help_text="空：填写时未询问（旧条目），资格核验视为待审核。")
    attachment = models.FileField("附件", upload_to=entry_upload_to)
    attachment_name = models.CharField("附件原文件名", max_length=120)
    # The reviewer's flag "same evidence file in two applicants' dossiers" compares these.
    content_sha256 = models.CharField("附件SHA-256", max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["item_code", "occurred_on", "pk"]
        verbose_name = verbose_name_plural = "申报书条目"
        indexes = [models.Index(fields=["application", "item_code"])]

    def __str__(self):
        return f"{self.item_code} {self.occurred_on}"


def legacy_import_upload_to(instance, filename):
    # A generated name under a private prefix; the uploaded name is kept only as text for display.
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    return f"applicants/legacy-imports/{uuid.uuid4().hex}{suffix if suffix in {'.csv', '.xlsx'} else ''}"


class LegacyImportJob(models.Model):
    """One upload of the previous platform's export, imported in the background by `run_legacy_import`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        # Its worker stopped beating (killed, machine lost): resumable from the last saved chunk.
        INTERRUPTED = "interrupted", "已中断"

    # Emptied once the retention period (LEGACY_IMPORT_RETENTION_DAYS) is over: the file holds personal data.
    upload = models.FileField("导入文件", upload_to=legacy_import_upload_to, max_length=200, blank=True)
    upload_deleted_at = models.DateTimeField("导入文件删除时间", null=True, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    imported_new = models.PositiveIntegerField("新增", default=0)
    imported_updated = models.PositiveIntegerField("更新", default=0)
    imported_skipped = models.PositiveIntegerField("未变化", default=0)
    error_report = models.JSONField("错误行", default=list, blank=True)
    failure_message = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True,
                                        help_text="运行中的任务每处理完一批即更新；长时间未更新视为已中断。")
    resume_pending = models.BooleanField("待继续导入", default=False,
                                         help_text="已中断的任务重新排队后，从最后保存的一批之后继续。")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "旧平台数据导入任务"
        constraints = [
            models.CheckConstraint(condition=Q(processed_rows__lte=models.F("total_rows")),
                                   name="legacy_import_processed_within_total"),
        ]

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def error_row_count(self) -> int:
        return len({e["row"] for e in self.error_report})

    # For templates: they ask these instead of comparing status strings, so a renamed value cannot slip past.
    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def has_result(self) -> bool:
        """Finished, well or not: its counts and row report are final."""
        return self.status in (self.Status.DONE, self.Status.FAILED)
