from django import forms

from .enums import Level
from .models import Campaign, Province
from .provinces import PROVINCES
from .widgets import PlainSelect

_PROVINCE_CHOICES = [("", "全部省份"), *((code, name) for code, name, _ in PROVINCES)]


def _province_choices():
    # A callable: a form instance then copies a reference instead of deep-copying 35 choices on every view.
    return _PROVINCE_CHOICES


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters. The catalogue is the busiest public page: the provinces come from the reference
    list the seed loader writes into `Province` (no query per view), and the selects render without Django's
    per-option templates (see certification.widgets). Same HTML as before."""

    province = forms.ChoiceField(label="省份", required=False, widget=PlainSelect, choices=_province_choices)
    level = forms.ChoiceField(label="级别", choices=[("", "全部级别"), *Level.choices], required=False,
                              widget=PlainSelect)


class CampaignForm(forms.ModelForm):
    """The data a secretariat edits; status changes only through the publish/close actions."""

    class Meta:
        model = Campaign
        fields = [
            "title", "slug", "level", "year", "province", "summary", "source_notice",
            "application_start", "application_end", "exam_date", "exam_note", "defense_start", "defense_end",
            "defense_note", "results_note", "fee", "member_rate", "exceptional_track_free",
            "weight_portfolio", "weight_exam", "weight_defense", "has_exam", "has_defense", "portfolio_aspects",
            "shortlist_mode", "shortlist_value", "pass_mode", "pass_value", "tie_rule", "notice_working_days",
            "notice_first_day_counts",
            "contacts", "certificate_issuers", "electronic_certificate", "paper_certificate",
            "allows_cross_level", "eligibility_rules",
        ]
        widgets = {
            f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for f in ["application_start", "application_end", "exam_date", "defense_start", "defense_end"]
        } | {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, authority=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.authority = authority or getattr(self.instance, "authority", None)
        if self.authority and self.authority.province_id:
            self.fields["province"].queryset = Province.objects.filter(pk=self.authority.province_id)
        if self.authority:
            # Uniqueness and cross-field checks need the authority before validation.
            self.instance.authority = self.authority
