from django import forms


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回修改原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    deadline = forms.DateTimeField(label="修改截止时间（北京时间）",
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="审查结论", choices=[("pass", "资格审查通过"), ("fail", "资格审查不通过")],
                                widget=forms.RadioSelect)
    clause_code = forms.ChoiceField(label="不通过所依据的条款", required=False)
    reason = forms.CharField(label="不通过原因", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, clauses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause_code"].choices = [("", "（通过时不必选择）"), *clauses]


class ExpertForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱（登录账号）")
    unit = forms.CharField(label="工作单位", max_length=100)
    province = forms.ModelChoiceField(label="所在省份", queryset=None, required=False)
    city = forms.CharField(label="所在市", max_length=30, required=False)
    specialties = forms.CharField(label="专业领域（用顿号分隔）", required=False, max_length=200)
    max_per_campaign = forms.IntegerField(label="每次认证最多评审份数", min_value=1, max_value=2000, initial=30)
    conflict_units = forms.CharField(label="回避单位（用顿号分隔）", required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        from certification.models import Province

        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Province.objects.all()


class ExpertImportForm(forms.Form):
    upload = forms.FileField(label="专家名单（XLSX，列：姓名、电子邮箱、工作单位、所在省份、所在市、专业领域、"
                                   "每次认证最多评审份数、回避单位）")


class ReviewSettingsForm(forms.ModelForm):
    specialties_text = forms.CharField(label="优先匹配的专业领域（用顿号分隔，可留空）", required=False,
                                       max_length=200)

    class Meta:
        from .models import ReviewSettings

        model = ReviewSettings
        fields = ["experts_per_dossier", "aggregation", "tolerance", "arbitration", "anonymous", "review_due"]
        widgets = {"review_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties_text"].initial = "、".join(self.instance.specialties or [])

    def clean(self):
        from .resources import SPLIT

        data = super().clean()
        self.instance.specialties = [s.strip() for s in SPLIT.split(data.get("specialties_text") or "") if s.strip()]
        return data


class ConflictForm(forms.Form):
    reason = forms.CharField(label="回避原因", max_length=200)
