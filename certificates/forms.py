from django import forms
from django.utils import timezone

from .models import Complaint


class NoticeScheduleForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.ModelForm):
    attachments = MultipleFileField(label="证明材料（PDF，每个不超过5MB，最多3个）", required=False)

    class Meta:
        model = Complaint
        fields = ["complainant_name", "complainant_phone", "complainant_email", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}


class NoteForm(forms.Form):
    text = forms.CharField(label="调查记录", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="决定", choices=[("dismissed", "不予支持（维持认证）"),
                                                        ("upheld", "投诉属实，取消该申请人的认证")],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label="处理意见（将告知投诉人）", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：受到党纪处分、行政处罚（吉林省细则：认证后如受到党纪处分、行政处罚的将收回认证）。")


class VerifyForm(forms.Form):
    number = forms.CharField(label="证书编号", max_length=32)
    name = forms.CharField(label="持证人姓名", max_length=50)


class VerifyFileForm(forms.Form):
    file = forms.FileField(label="证书PDF或可验证凭证文件（.pdf / .jwt）")
