from django import forms

from .models import Order
from .validators import validate_uscc


class InvoiceForm(forms.Form):
    title_type = forms.ChoiceField(label="抬头类型", choices=Order.TitleType.choices, widget=forms.RadioSelect)
    title = forms.CharField(label="发票抬头", max_length=100)
    taxpayer_id = forms.CharField(label="纳税人识别号", max_length=18, required=False,
                                  help_text="单位抬头必填：18位统一社会信用代码。")
    email = forms.EmailField(label="接收发票邮箱")

    def clean(self):
        data = super().clean()
        if data.get("title_type") == Order.TitleType.COMPANY:
            code = (data.get("taxpayer_id") or "").strip().upper()
            if not code:
                self.add_error("taxpayer_id", "单位抬头必须填写纳税人识别号（统一社会信用代码）。")
            else:
                try:
                    validate_uscc(code)
                except forms.ValidationError as exc:
                    self.add_error("taxpayer_id", exc)
                data["taxpayer_id"] = code
        return data

    @classmethod
    def for_order(cls, order, data=None):
        return cls(data, initial={"title_type": order.invoice_title_type, "title": order.invoice_title,
                                  "taxpayer_id": order.invoice_taxpayer_id, "email": order.invoice_email},
                   prefix="invoice")


class MemberForm(forms.Form):
    member_number = forms.CharField(label="会员编号", max_length=32, required=False)


class BankTransferConfirmForm(forms.Form):
    reference = forms.CharField(label="银行交易流水号", max_length=64)


class InvoiceIssuedForm(forms.Form):
    invoice_number = forms.CharField(label="发票号码", max_length=40, required=False)


class RefundReasonForm(forms.Form):
    reason = forms.CharField(label="退款原因", max_length=180, widget=forms.Textarea(attrs={"rows": 2}))


class RefundDoneForm(forms.Form):
    refund_id = forms.IntegerField(widget=forms.HiddenInput)
    reference = forms.CharField(label="退款银行流水号", max_length=64)


class OrderFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(label="认证活动", queryset=None, required=False, empty_label="全部活动")
    status = forms.ChoiceField(label="订单状态", required=False, choices=[("", "全部状态"), *Order.Status.choices])

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
