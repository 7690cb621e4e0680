from django import forms
from django.core.exceptions import ValidationError

from certification import idcard

from .models import ApplicantProfile, Honour, PriorCertification, Scope, TrainingRecord

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProfileForm(forms.ModelForm):
    photo_upload = forms.FileField(label="1寸免冠彩色近照（JPEG或PNG，不超过2MB）", required=False)

    class Meta:
        model = ApplicantProfile
        fields = ["full_name", "ethnicity", "id_number", "education", "major", "employer", "province", "city",
                  "county", "position", "landline", "mobile", "email", "mailing_address", "postcode",
                  "member_number", "member_valid_until", "years_in_st_education", "work_start_date", "part_time",
                  "category", "statement", "declaration_accepted"]
        widgets = {"work_start_date": DATE, "statement": forms.Textarea(attrs={"rows": 8, "maxlength": 800}),
                   "member_valid_until": forms.TextInput(attrs={"placeholder": "2026-12"})}

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number")
        if not value:
            return None
        return idcard.parse_id_number(value).number

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile")
        if value:
            idcard.validate_mainland_mobile(value)
            return idcard.normalize_mobile(value)
        return value


def _formset(model, fields, widgets=None, extra=2):
    return forms.inlineformset_factory(ApplicantProfile, model, fields=fields, widgets=widgets or {}, extra=extra,
                                       can_delete=True)


PriorCertificationFormSet = _formset(PriorCertification, ["level", "year", "province", "certificate_number"],
                                     extra=1)
TrainingFormSet = _formset(TrainingRecord, ["name", "organiser", "certificate_number", "held_on", "hours", "by_cast"],
                           {"held_on": DATE})
HonourFormSet = _formset(Honour, ["kind", "title", "contest", "award", "year"], extra=1)


class EntryForm(forms.Form):
    """One dossier row; its text columns come from the catalogue item."""

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        for col in item.columns:
            self.fields[col.key] = forms.CharField(label=col.label, max_length=item.max_chars,
                                                   widget=forms.Textarea(attrs={"rows": 2,
                                                                                "maxlength": item.max_chars}))
        self.fields["occurred_on"] = forms.DateField(label=item.date_label, widget=DATE)
        if item.category_choices:
            self.fields["achievement_category"] = forms.ChoiceField(
                label="成果类别", choices=[("", "请选择"), *item.category_choices])
        if item.categories:
            # The rule sets ask for "国家级/省部级以上"; without it the self-check can only say "需审核".
            self.fields["scope"] = forms.ChoiceField(label="级别", choices=[("", "请选择"), *Scope.choices],
                                                     required=False)
        if item.asks_first_supervisor:
            # Junior 4.1 (notice 001) needs "本人作为第一指导教师": asked, never assumed.
            self.fields["first_supervisor"] = forms.TypedChoiceField(
                label="是否第一指导教师", choices=[("yes", "是"), ("no", "否")], widget=forms.RadioSelect,
                coerce=lambda v: v == "yes")
        self.fields["attachment"] = forms.FileField(label=f"附件（{item.attachment_label}，PDF，不超过5MB）")

    @property
    def text_values(self):
        return {col.key: self.cleaned_data.get(col.key, "") for col in self.item.columns}

    def add_service_errors(self, exc: ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class NarrativeForm(forms.Form):
    narrative = forms.CharField(label="请选上述条目中的1条，简述您如何指导学生完成项目研究或参赛获奖（300字以内）",
                                max_length=300, required=False,
                                widget=forms.Textarea(attrs={"rows": 4, "maxlength": 300}))


class ScanForm(forms.Form):
    scan = forms.FileField(label="签字盖章后的申报书扫描件（PDF、JPEG或PNG，不超过10MB）")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, required=False)
