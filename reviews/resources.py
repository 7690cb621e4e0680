"""The expert pool from a spreadsheet (django-import-export). One row = one expert of the importing
secretariat's authority; experts are matched by e-mail, so importing the same file again changes nothing.
Each row runs in its own savepoint: a bad row is reported by its number and rolled back alone."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from import_export import fields, resources, widgets

from certification.models import Province, Role, User
from certification.workflow import audit

from .models import Expert

COL = {"full_name": "姓名", "email": "电子邮箱", "unit": "工作单位", "province": "所在省份", "city": "所在市",
       "specialties": "专业领域", "max_per_campaign": "每次认证最多评审份数", "conflict_units": "回避单位"}
SPLIT = re.compile(r"[、，,；;\n]+")


def _text(row, key) -> str:
    value = row.get(COL[key])
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class ListWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return [v.strip() for v in SPLIT.split(str(value or "")) if v.strip()]

    def render(self, value, obj=None, **kwargs):
        return "、".join(value or [])


class LimitWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return 30
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"“{value}”不是整数。") from None
        if not number.is_integer() or not 1 <= number <= 2000:
            raise ValueError(f"应为1至2000之间的整数，而不是“{value}”。")
        return int(number)


class ExpertResource(resources.ModelResource):
    full_name = fields.Field(attribute="full_name", column_name=COL["full_name"])
    unit = fields.Field(attribute="unit", column_name=COL["unit"])
    city = fields.Field(attribute="city", column_name=COL["city"])
    specialties = fields.Field(attribute="specialties", column_name=COL["specialties"], widget=ListWidget())
    max_per_campaign = fields.Field(attribute="max_per_campaign", column_name=COL["max_per_campaign"],
                                    widget=LimitWidget())
    conflict_units = fields.Field(attribute="conflict_units", column_name=COL["conflict_units"],
                                  widget=ListWidget())

    class Meta:
        model = Expert
        fields = ["full_name", "unit", "city", "specialties", "max_per_campaign", "conflict_units"]
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, authority=None, actor=None):
        super().__init__()
        self.authority, self.actor = authority, actor

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if kwargs.get("using_transactions") and row_result.import_type in (row_result.IMPORT_TYPE_INVALID,
                                                                           row_result.IMPORT_TYPE_ERROR):
            transaction.set_rollback(True)  # the row's new user account goes with the row
        return row_result

    def before_import_row(self, row, **kwargs):
        errors = {}
        email = _text(row, "email").lower()
        try:
            validate_email(email)
        except ValidationError:
            errors[COL["email"]] = f"电子邮箱“{email}”格式不正确。"
        if not _text(row, "full_name"):
            errors[COL["full_name"]] = "姓名不能为空。"
        if not _text(row, "unit"):
            errors[COL["unit"]] = "工作单位不能为空（用于利益冲突回避）。"
        province = None
        if _text(row, "province"):
            name = _text(row, "province")
            province = (Province.objects.filter(code=name).first() or Province.objects.filter(name=name).first()
                        or Province.objects.filter(short_name=name).first())
            if province is None:
                errors[COL["province"]] = f"没有名为“{name}”的省份。"
        if errors:
            raise ValidationError(errors)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, role=Role.EXPERT,
                                            full_name=_text(row, "full_name"), email_verified=True)
        elif user.role != Role.EXPERT:
            raise ValidationError({COL["email"]: "该邮箱已用于其他角色的账号，不能登记为评审专家。"})
        existing = Expert.objects.filter(user=user).first()
        if existing and existing.authority_id != self.authority.pk:
            raise ValidationError({COL["email"]: "该专家属于其他认证机构的专家库。"})
        row["_user"], row["_province"] = user, province

    def get_instance(self, instance_loader, row):
        return Expert.objects.filter(user=row["_user"]).first()

    def init_instance(self, row=None):
        return Expert(user=row["_user"], authority=self.authority)

    def before_save_instance(self, instance, row, **kwargs):
        instance.province = row["_province"]
        instance.full_clean()

    def after_save_instance(self, instance, row, **kwargs):
        if not kwargs.get("dry_run"):
            audit(subject=instance, action="reviews.expert.imported", actor=self.actor)
