from django import forms


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回修改原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    deadline = forms.DateTimeField(label="修改截止时间（北京时间）",
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
