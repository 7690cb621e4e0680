"""Legacy import (旧平台申请人及其申请) and export, with django-import-export.

One row = one applicant and one application. Applicants are matched by e-mail, then by ID number, and the
application by (applicant, campaign slug), so importing the same file again changes nothing. Each row runs in
its own savepoint: a bad row is reported with its field and rolled back alone while the good rows import.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from import_export import fields, resources, widgets

from certification import idcard
from certification.models import Campaign, Province, Role
from certification.workflow import audit

from .models import ApplicantProfile, Application

COL = {
    "email": "电子邮箱", "full_name": "姓名", "id_number": "身份证号码", "mobile": "手机号码", "employer": "工作单位",
    "province": "所在省份代码", "campaign": "认证活动代码", "number": "申报编号", "status": "状态",
    "submitted_at": "提交时间",
}
STATUS_BY_TEXT = {**{s.value: s.value for s in Application.Status}, **{s.label: s.value for s in Application.Status}}


class StatusWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if value not in STATUS_BY_TEXT:
            raise ValueError(f"无法识别的状态“{value}”，应为：{'、'.join(s.label for s in Application.Status)}。")
        return STATUS_BY_TEXT[value]

    def render(self, value, obj=None, **kwargs):
        return Application.Status(value).label if value else ""


class ApplicationNumberWidget(widgets.CharWidget):
    """A blank number is None (as saved), so re-importing an unchanged row counts as unchanged, not updated."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():  # spreadsheets turn numbers into floats
            value = int(value)
        value = str(value if value is not None else "").strip()
        return value or None


class ShanghaiDateTimeWidget(widgets.DateTimeWidget):
    """Legacy times are Beijing time, written without a zone."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d"):
            try:
                return timezone.make_aware(dt.datetime.strptime(str(value).strip(), fmt))
            except ValueError:
                continue
        raise ValueError(f"无法识别的时间“{value}”，应形如 2024-08-20 10:30。")


def _text(row, key) -> str:
    value = row.get(COL[key])
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # spreadsheets turn numbers into floats
        value = int(value)
    return str(value).strip()


class LegacyApplicationResource(resources.ModelResource):
    number = fields.Field(attribute="number", column_name=COL["number"], widget=ApplicationNumberWidget())
    status = fields.Field(attribute="status", column_name=COL["status"], widget=StatusWidget())
    submitted_at = fields.Field(attribute="submitted_at", column_name=COL["submitted_at"],
                                widget=ShanghaiDateTimeWidget())

    class Meta:
        model = Application
        fields = ["number", "status", "submitted_at"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if kwargs.get("using_transactions") and row_result.import_type in (row_result.IMPORT_TYPE_INVALID,
                                                                           row_result.IMPORT_TYPE_ERROR):
            # The row's applicant and profile were written before the row failed: undo them with the row
            # (import-export wraps each row in its own savepoint but only rolls back on an exception).
            transaction.set_rollback(True)
        return row_result

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A new application whose columns match the model defaults is still new, never "unchanged".
        if original is None or original.pk is None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors=import_validation_errors)

    def before_import_row(self, row, **kwargs):
        """Resolve (or create) the applicant and the campaign; field errors name the column."""
        errors = {}
        email = _text(row, "email").lower()
        try:
            validate_email(email)
        except ValidationError:
            errors[COL["email"]] = f"电子邮箱“{email}”格式不正确。"
        id_info = None
        if _text(row, "id_number"):
            try:
                id_info = idcard.parse_id_number(_text(row, "id_number"))
            except ValidationError as exc:
                errors[COL["id_number"]] = exc.messages
        mobile = idcard.normalize_mobile(_text(row, "mobile"))
        if mobile:
            try:
                idcard.validate_mainland_mobile(mobile)
            except ValidationError as exc:
                errors[COL["mobile"]] = exc.messages
        if not _text(row, "full_name"):
            errors[COL["full_name"]] = "姓名不能为空。"
        campaign = Campaign.objects.filter(slug=_text(row, "campaign")).first()
        if campaign is None:
            errors[COL["campaign"]] = f"没有代码为“{_text(row, 'campaign')}”的认证活动。"
        province = None
        if _text(row, "province"):
            province = Province.objects.filter(code=_text(row, "province")).first()
            if province is None:
                errors[COL["province"]] = f"没有代码为“{_text(row, 'province')}”的省份。"
        if errors:
            raise ValidationError(errors)

        User = get_user_model()
        user = User.objects.filter(email=email).first()
        if user is None and id_info:
            profile = ApplicantProfile.objects.select_related("user").filter(id_number=id_info.number).first()
            user = profile.user if profile else None
        if user is None:
            # Migrated applicants do not register again; they set a password through "忘记密码".
            user = User.objects.create_user(email=email, password=None, role=Role.APPLICANT,
                                            full_name=_text(row, "full_name"), mobile=mobile, email_verified=True)
        elif user.role != Role.APPLICANT:
            raise ValidationError({COL["email"]: "该邮箱属于工作人员账号，不能作为申请人导入。"})
        profile, _ = ApplicantProfile.objects.get_or_create(user=user, defaults={"full_name": _text(row, "full_name")})
        if id_info and ApplicantProfile.objects.filter(id_number=id_info.number).exclude(pk=profile.pk).exists():
            raise ValidationError({COL["id_number"]: "该身份证号码已属于另一位申请人。"})
        profile.full_name = _text(row, "full_name")
        profile.email = profile.email or email
        profile.mobile = mobile or profile.mobile
        profile.employer = _text(row, "employer") or profile.employer
        profile.province = province or profile.province
        if id_info:
            profile.id_number, profile.birth_date, profile.gender = id_info.number, id_info.birth_date, id_info.gender
        profile.full_clean()
        profile.save()
        row["_applicant"], row["_campaign"] = user, campaign

    def get_instance(self, instance_loader, row):
        return Application.objects.filter(applicant=row["_applicant"], campaign=row["_campaign"]).first()

    def init_instance(self, row=None):
        campaign = row["_campaign"]
        return Application(applicant=row["_applicant"], campaign=campaign, level=campaign.level, year=campaign.year)

    def before_save_instance(self, instance, row, **kwargs):
        instance.number = instance.number or None
        # Constraint messages (one level per year, unique number) come back as this row's errors.
        instance.full_clean()

    def after_save_instance(self, instance, row, **kwargs):
        if not kwargs.get("dry_run"):
            # Imported state is the legacy platform's record, not a transition here; the audit says so.
            audit(subject=instance, action="applicants.application.imported", actor=kwargs.get("user"),
                  to_state=instance.status, reason=f"导入文件：{kwargs.get('file_name', '')}")


class ApplicationExportResource(resources.ModelResource):
    """Export for administrators: ID numbers masked, they are never needed in a spreadsheet."""

    number = fields.Field(attribute="number", column_name=COL["number"])
    campaign = fields.Field(attribute="campaign__slug", column_name=COL["campaign"])
    email = fields.Field(attribute="applicant__email", column_name=COL["email"])
    full_name = fields.Field(column_name=COL["full_name"])
    id_number = fields.Field(column_name=COL["id_number"])
    status = fields.Field(attribute="status", column_name=COL["status"], widget=StatusWidget())
    submitted_at = fields.Field(attribute="submitted_at", column_name=COL["submitted_at"],
                                widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M:%S"))

    class Meta:
        model = Application
        fields = ["number", "campaign", "email", "full_name", "id_number", "status", "submitted_at"]

    def get_queryset(self):
        return Application.objects.select_related("campaign", "applicant", "applicant__applicant_profile")

    def _profile(self, application):
        return getattr(application.applicant, "applicant_profile", None)

    def dehydrate_full_name(self, application):
        profile = self._profile(application)
        return profile.full_name if profile else application.applicant.full_name

    def dehydrate_id_number(self, application):
        profile = self._profile(application)
        return idcard.mask_id_number(profile.id_number) if profile and profile.id_number else ""
