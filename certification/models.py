"""Provinces, authorities, people and roles, campaigns with their rule sets, the audit log and the outbox.

Models stay thin: writes go through `certification.services`, reads through `certification.selectors`.
"""

import datetime as dt
from decimal import Decimal

import rules
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from . import logdisplay
from .enums import Level
from .rule_schema import rule_set_errors


class Role(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    PROVINCIAL_SECRETARIAT = "provincial_secretariat", "省协会秘书处"
    NATIONAL_SECRETARIAT = "national_secretariat", "全国协会秘书处"
    EXPERT = "expert", "评审专家"
    SUPERVISOR = "supervisor", "监督委员会"
    ADMINISTRATOR = "administrator", "管理员"


class Province(models.Model):
    """A provincial-level division with its GB/T 2260 code."""

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    short_name = models.CharField("简称", max_length=10)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "省级行政区"

    def __str__(self):
        return self.name


class Authority(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", "全国协会"
        PROVINCIAL = "provincial", "省级协会"

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    province = models.ForeignKey(Province, verbose_name="所在省份", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="authorities")

    class Meta:
        ordering = ["kind", "province__code"]
        verbose_name = verbose_name_plural = "认证机构"
        constraints = [
            models.CheckConstraint(
                name="authority_province_matches_kind",
                condition=(Q(kind="national", province__isnull=True) | Q(kind="provincial", province__isnull=False)),
            ),
        ]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("必须填写电子邮箱")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMINISTRATOR)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Addresses are stored lower-case; people type them however they like when signing in.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who signs in with an e-mail address; the role decides their home page and rights."""

    username = None
    email = models.EmailField("电子邮箱", unique=True)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.APPLICANT)
    authority = models.ForeignKey(Authority, verbose_name="所属认证机构", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="staff",
                                  help_text="秘书处人员必须绑定其认证机构。")
    email_verified = models.BooleanField("邮箱已验证", default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                name="secretariat_has_authority",
                condition=~Q(role__in=["provincial_secretariat", "national_secretariat"]) | Q(authority__isnull=False),
            ),
            # Administrators work in the Django admin, which only staff may enter.
            models.CheckConstraint(
                name="administrator_is_staff", condition=~Q(role="administrator") | Q(is_staff=True),
                violation_error_message="管理员角色必须具有后台登录权限（职员状态）。",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        if self.role == Role.PROVINCIAL_SECRETARIAT and self.authority and \
                self.authority.kind != Authority.Kind.PROVINCIAL:
            raise ValidationError({"authority": "省协会秘书处必须绑定省级协会。"})
        if self.role == Role.NATIONAL_SECRETARIAT and self.authority and \
                self.authority.kind != Authority.Kind.NATIONAL:
            raise ValidationError({"authority": "全国协会秘书处必须绑定全国协会。"})

    def has_perm(self, perm, obj=None):
        """A permission declared in an app's `rules.py` is decided by its predicates alone, for superusers too:
        those predicates already say where an administrator may act, and a state predicate ("still open?")
        must hold for everyone. Django's model permissions (the admin site) keep the usual superuser rule."""
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email


class CampaignQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status__in=[Campaign.Status.PUBLISHED, Campaign.Status.CLOSED])


class Campaign(models.Model):
    """One year's certification round of one authority for one level.

    Everything a notice fixes is data here. Fields whose value the notices do not give carry their
    names in `example_fields`, and pages label them 示例.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "已结束"

    class Phase(models.TextChoices):
        UPCOMING = "upcoming", "未开始"
        OPEN = "open", "报名中"
        CLOSED = "closed", "已截止"

    class CutoffMode(models.TextChoices):
        PROPORTION = "proportion", "按比例（前百分之N）"
        MIN_SCORE = "min_score", "最低分数线"

    class TieRule(models.TextChoices):
        INCLUDE_ALL = "include_all", "并列者全部入选"
        HIGHER_LATER_STAGE = "higher_later_stage", "按后一环节得分高者优先"
        EARLIER_SUBMISSION = "earlier_submission", "按提交时间先者优先"

    slug = models.SlugField("代码", max_length=60, unique=True)
    title = models.CharField("名称", max_length=100)
    authority = models.ForeignKey(Authority, verbose_name="认证机构", on_delete=models.PROTECT,
                                  related_name="campaigns")
    province = models.ForeignKey(Province, verbose_name="面向省份", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="campaigns", help_text="为空表示面向全国。")
    level = models.CharField("认证级别", max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField("认证年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField("演示活动", default=False)
    source_notice = models.CharField("依据文件", max_length=200, blank=True)
    summary = models.TextField("简介", blank=True)

    application_start = models.DateField("报名开始日期")
    application_end = models.DateField("报名截止日期", help_text="含当日；也是取消报名并全额退费的截止日。")
    exam_date = models.DateField("笔试日期", null=True, blank=True)
    exam_note = models.CharField("笔试安排说明", max_length=200, blank=True)
    defense_start = models.DateField("答辩开始日期", null=True, blank=True)
    defense_end = models.DateField("答辩结束日期", null=True, blank=True)
    defense_note = models.CharField("答辩安排说明", max_length=200, blank=True)
    results_note = models.CharField("结果公布说明", max_length=200, blank=True)

    fee = models.DecimalField("认证评审费（元）", max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    member_rate = models.DecimalField("会员折扣", max_digits=3, decimal_places=2, default=Decimal("1.00"),
                                      validators=[MinValueValidator(0), MaxValueValidator(1)],
                                      help_text="会员应付比例，0.70 即七折。")
    exceptional_track_free = models.BooleanField("破格认证免费", default=True)

    weight_portfolio = models.PositiveSmallIntegerField("业绩成果评审权重（%）", default=100)
    weight_exam = models.PositiveSmallIntegerField("笔试权重（%）", default=0)
    weight_defense = models.PositiveSmallIntegerField("答辩权重（%）", default=0)
    has_exam = models.BooleanField("设笔试", default=False)
    has_defense = models.BooleanField("设答辩", default=False)
    portfolio_aspects = models.JSONField(
        "业绩成果评审方面", default=list, blank=True,
        help_text='形如 [{"code": "guidance", "name": "学生科技项目指导能力", "max": 20}]')

    shortlist_mode = models.CharField("入围答辩规则", max_length=12, choices=CutoffMode.choices,
                                      default=CutoffMode.PROPORTION)
    shortlist_value = models.DecimalField("入围比例或分数线", max_digits=5, decimal_places=2, null=True, blank=True)
    pass_mode = models.CharField("认证通过规则", max_length=12, choices=CutoffMode.choices,
                                 default=CutoffMode.PROPORTION)
    pass_value = models.DecimalField("通过比例或分数线", max_digits=5, decimal_places=2, null=True, blank=True)
    tie_rule = models.CharField("同分处理", max_length=24, choices=TieRule.choices, default=TieRule.INCLUDE_ALL)

    notice_working_days = models.PositiveSmallIntegerField("公示期（工作日）", default=5)
    notice_first_day_counts = models.BooleanField(
        "公示开始当日计入公示期", default=False,
        help_text="通知未规定时不计入：按《民法典》第二百零一条，期间开始的当日不计入，自下一日开始计算。")
    contacts = models.JSONField("联系人", default=list, blank=True,
                                help_text='形如 [{"role": "工作咨询", "name": "张增", "phone": "010-68516005", '
                                          '"email": "…"}]')
    certificate_issuers = models.CharField("证书颁发单位", max_length=200)
    electronic_certificate = models.BooleanField("颁发电子证书", default=True)
    paper_certificate = models.BooleanField("邮寄纸质证书", default=False)
    allows_cross_level = models.BooleanField("允许跨级申报", default=False)
    eligibility_rules = models.JSONField(
        "报名条件（规则集）", default=dict, blank=True,
        help_text="规则集数据：criteria 为全部须满足的条件列表，exceptional 为破格条件列表；见 README。")
    example_fields = models.JSONField("示例值字段", default=list, blank=True,
                                      help_text="通知未给出、仅作示例的字段名。")

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "authority__kind", "level"]
        verbose_name = verbose_name_plural = "认证活动"
        constraints = [
            models.CheckConstraint(
                name="campaign_weights_sum_to_100",
                condition=Q(weight_portfolio=100 - F("weight_exam") - F("weight_defense")),
                violation_error_message="各环节权重之和必须为100。",
            ),
            models.CheckConstraint(
                name="campaign_window_ordered",
                condition=Q(application_end__gte=F("application_start")),
                violation_error_message="报名截止日期不能早于开始日期。",
            ),
            models.UniqueConstraint(
                fields=["authority", "level", "year", "is_demo"], name="one_campaign_per_authority_level_year",
                violation_error_message="同一认证机构同一年度同一级别只能有一个认证活动。",
            ),
        ]

    def __str__(self):
        return self.title

    # Derived facts, used by pages and services alike.
    @property
    def application_opens_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.application_start, dt.time.min))

    @property
    def application_closes_at(self) -> dt.datetime:
        """The deadline is inclusive: the last instant of the end date, Asia/Shanghai."""
        return timezone.make_aware(dt.datetime.combine(self.application_end, dt.time.max))

    def phase(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if now < self.application_opens_at:
            return self.Phase.UPCOMING
        if now <= self.application_closes_at:
            return self.Phase.OPEN
        return self.Phase.CLOSED

    def get_phase_display(self):
        return self.Phase(self.phase()).label

    @property
    def member_fee(self) -> Decimal:
        return (self.fee * self.member_rate).quantize(Decimal("0.01"))

    def is_example(self, field_name: str) -> bool:
        return field_name in (self.example_fields or [])

    def clean(self):
        errors = {}
        if self.weight_portfolio + self.weight_exam + self.weight_defense != 100:
            errors["weight_portfolio"] = "各环节权重之和必须为100。"
        if self.application_start and self.application_end and self.application_end < self.application_start:
            errors["application_end"] = "报名截止日期不能早于开始日期。"
        if self.defense_start and self.defense_end and self.defense_end < self.defense_start:
            errors["defense_end"] = "答辩结束日期不能早于开始日期。"
        rule_errors = rule_set_errors(self.eligibility_rules)
        if rule_errors:
            errors["eligibility_rules"] = rule_errors
        if self.province_id and self.authority_id and self.authority.province_id and \
                self.authority.province_id != self.province_id:
            errors["province"] = "省级协会只能面向本省开展认证。"
        if errors:
            raise ValidationError(errors)


class UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError(self.model.undeletable_message)

    def update(self, **kwargs):
        """Evidence is not rewritten in bulk: only the columns the model names in `mutable_fields` may change
        (None: any). The database's triggers (PostgreSQL) hold the same line for raw SQL."""
        allowed = self.model.mutable_fields
        refused = set(kwargs) - set(allowed) if allowed is not None else set()
        if refused:
            raise PermissionError(f"{self.model.undeletable_message}（不可修改：{', '.join(sorted(refused))}）")
        return super().update(**kwargs)


class UndeletableModel(models.Model):
    """Records that are evidence (the audit trail, money): never deleted, only reversed or superseded."""

    undeletable_message = "该记录不可删除。"
    # Columns that may still change after the row is written (None: any; an empty tuple: none).
    mutable_fields: tuple[str, ...] | None = None
    objects = UndeletableQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionError(self.undeletable_message)


def audit_content_hash(entry) -> str:
    """SHA-256 over every column of an audit entry that says what happened (not the chain columns)."""
    import hashlib
    import json

    content = [entry.content_type_id, str(entry.object_id), entry.action, entry.from_state, entry.to_state,
               entry.reason, entry.actor_id, entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


class AuditQuerySet(UndeletableQuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEntry(UndeletableModel):
    """Who changed what, when, from which state to which, and why. Append-only."""

    undeletable_message = "审计记录不可删除。"
    # The chain columns are filled once, by the sealer (certification.audit_chain), never changed after.
    mutable_fields = ("prev_hash", "chain_hash")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField("操作", max_length=60)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # Tamper evidence (certification.audit_chain): a hash of this entry's content, written with it; the hash of
    # the previous sealed entry and of this one in the chain, filled in order by the sealer.
    content_hash = models.CharField("内容摘要", max_length=64, blank=True, editable=False)
    prev_hash = models.CharField("前一条链摘要", max_length=64, blank=True, editable=False)
    chain_hash = models.CharField("链摘要", max_length=64, blank=True, editable=False, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action_label} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("审计记录不可修改。")
        self.content_hash = self.compute_content_hash()
        super().save(*args, **kwargs)

    def compute_content_hash(self) -> str:
        return audit_content_hash(self)

    @property
    def action_label(self) -> str:
        """The Chinese label of the stable action code (`certification.logdisplay`)."""
        return logdisplay.label(self.action)


class Notification(models.Model):
    """The outbox: a rendered e-mail waiting to be sent by a Celery task after the transaction commits."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    recipient = models.ForeignKey(User, verbose_name="收件用户", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="notifications")
    to_email = models.EmailField("收件地址")
    template = models.CharField("模板", max_length=100)
    subject = models.CharField("主题", max_length=200)
    body = models.TextField("正文")
    attachments = models.JSONField("附件", default=list, blank=True,
                                   help_text='文本附件，形如 [{"filename": "defense.ics", "mimetype": "text/calendar", '
                                             '"content": "…"}]（如答辩日程）。')
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "通知发件箱"

    def __str__(self):
        return f"{self.to_email}: {self.subject}"


def normalize_unit_name(name: str) -> str:
    """Unit names are typed by hand: ignore spacing and full-/half-width brackets when comparing them."""
    return "".join((name or "").split()).replace("（", "(").replace("）", ")")


class BarredUnit(models.Model):
    """A unit whose applicant submitted fake materials: no applications from it for 3 years [002 五、3]."""

    name = models.CharField("单位名称", max_length=100)
    normalized_name = models.CharField(max_length=100, editable=False, db_index=True)
    province = models.ForeignKey(Province, verbose_name="所在省份", null=True, blank=True, on_delete=models.PROTECT)
    barred_on = models.DateField("取消资格日期")
    barred_until = models.DateField("取消资格截止日期")
    reason = models.TextField("原因")
    created_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-barred_until"]
        verbose_name = verbose_name_plural = "取消申报资格单位"
        constraints = [
            models.CheckConstraint(name="barred_unit_period_ordered",
                                   condition=Q(barred_until__gte=F("barred_on"))),
        ]

    def __str__(self):
        return f"{self.name}（至{self.barred_until:%Y-%m-%d}）"


# --- the working-day calendar (certification.workdays) -----------------------------------------------------

class CalendarYear(models.Model):
    """A year whose official holiday schedule (放假与调休安排) is in `HolidayDay`.

    Only covered years are counted: a date in any other year is refused, never guessed, because a year
    without a row here is indistinguishable from a year without holidays.
    """

    class Source(models.TextChoices):
        LIBRARY = "library", "chinesecalendar 数据"
        MANUAL = "manual", "人工录入"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField("依据（如国务院办公厅通知文号）", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "节假日安排年度"

    def __str__(self):
        return f"{self.year}年"


class HolidayDay(models.Model):
    """One day that differs from the Monday–Friday rule: a public holiday, or a weekend working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY


from .export_models import *  # noqa: E402,F401,F403
