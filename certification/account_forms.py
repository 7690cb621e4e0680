from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from .idcard import normalize_mobile, validate_mainland_mobile
from .models import User

# Django's own Chinese catalogue lacks some of these (it falls back to English), so say them here by code.
PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要{min_length}个字符。",
    "password_too_common": "这个密码太常见了，请换一个不易被猜到的密码。",
    "password_entirely_numeric": "密码不能全部是数字。",
    "password_too_similar": "密码与邮箱或姓名太相似。",
}


def _password_message(error: ValidationError) -> ValidationError:
    text = PASSWORD_MESSAGES.get(error.code)
    if text is None:
        return error
    return ValidationError(text.format(**(error.params or {})), code=error.code)


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="电子邮箱", help_text="用于登录和接收通知，注册后须点击验证邮件中的链接。",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    mobile = forms.CharField(label="手机号码", max_length=20, help_text="中国大陆11位手机号码。",
                             widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}))
    password1 = forms.CharField(label="密码", strip=False,
                                help_text="至少8位，不能全为数字，不能过于常见或与邮箱、姓名相似。",
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="确认密码", strip=False,
                                help_text="出于安全考虑，页面报错后需重新输入两次密码。",
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages["required"] = f"请填写{f.label}。"
        self.fields["email"].error_messages["invalid"] = "请输入有效的电子邮箱地址。"

    def clean_full_name(self):
        return self.cleaned_data["full_name"].strip()

    def clean_email(self):
        # Whether the address is registered is not said here (see `accounts.applicant_register`).
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean_mobile(self):
        validate_mainland_mobile(self.cleaned_data["mobile"])
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        elif p1:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, user=probe)
            except ValidationError as error:
                self.add_error("password1", [_password_message(e) for e in error.error_list])
        return data
