import re
import time

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from certification import predicates
from certification.accounts import VERIFY_SALT, email_verification_token
from certification.models import AuditEntry, Notification, Role, User

SIGNUP = {"full_name": "王小明", "email": "Wang.XM@Example.cn", "mobile": "138 1234 5678",
          "password1": "Kexue-fudao-2025", "password2": "Kexue-fudao-2025"}


@pytest.fixture
def signed_up(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302, response.content.decode()
    # Signing up does not sign in (the answer must not differ for a registered address); the password does.
    signed_in = client.post(reverse("login"), {"username": SIGNUP["email"], "password": SIGNUP["password1"]})
    assert signed_in.status_code == 302, signed_in.content.decode()
    return response


def verification_path():
    note = Notification.objects.get(template="verify_email")
    return re.search(r"/accounts/verify/[^/\s]+/", note.body).group(0)


def test_anonymous_pages_link_to_signup(client, db):
    page = client.get(reverse("catalogue")).content.decode()
    assert f'href="{reverse("signup")}"' in page
    form = client.get(reverse("signup")).content.decode()
    for name in ["full_name", "email", "mobile", "password1", "password2"]:
        assert f'name="{name}"' in form


def test_sign_up_mails_the_link_and_the_unverified_applicant_can_sign_in(client, signed_up):
    assert signed_up.url == reverse("signup_done")
    page = client.get(signed_up.url).content.decode()
    assert "请查收邮件" in page and "Wang.XM@Example.cn".lower() in page.lower()
    user = User.objects.get(email="wang.xm@example.cn")
    assert (user.full_name, user.mobile, user.role, user.email_verified) == ("王小明", "13812345678",
                                                                            Role.APPLICANT, False)
    assert user.check_password(SIGNUP["password1"])
    assert int(client.session["_auth_user_id"]) == user.pk
    page = client.get(reverse("verify_email_resend")).content.decode()
    assert "请查收验证邮件" in page and "wang.xm@example.cn" in page
    # Sent through the outbox, after commit, with the link in the body.
    note = Notification.objects.get(template="verify_email", recipient=user)
    assert note.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [["wang.xm@example.cn"]]
    assert "验证" in mail.outbox[0].subject
    assert verification_path() in mail.outbox[0].body
    assert AuditEntry.objects.for_object(user).filter(action="certification.user.registered").exists()
    assert not predicates.is_verified_applicant(user)


def test_the_link_verifies_on_confirmation_only_once(client, signed_up):
    path = verification_path()
    user = User.objects.get(email="wang.xm@example.cn")
    confirm = client.get(path)
    assert confirm.status_code == 200 and "确认验证" in confirm.content.decode()
    user.refresh_from_db()
    assert not user.email_verified, "a prefetching mail scanner must not verify by GET"

    done = client.post(path)
    assert done.status_code == 200 and "邮箱验证成功" in done.content.decode()
    user.refresh_from_db()
    assert user.email_verified
    assert predicates.is_verified_applicant(user)
    assert client.post(path).status_code == 200  # a second click is harmless
    entries = AuditEntry.objects.for_object(user).filter(action="certification.user.email_verified")
    assert [(e.from_state, e.to_state, e.actor_id) for e in entries] == [("False", "True", user.pk)]


def test_the_link_works_without_being_signed_in(client, signed_up):
    path = verification_path()
    client.logout()
    assert client.post(path).status_code == 200
    assert User.objects.get(email="wang.xm@example.cn").email_verified


@pytest.mark.parametrize("tamper", [
    lambda p: p.replace("/verify/", "/verify/x"),
    lambda p: p[:-3] + ("A" if p[-3] != "A" else "B") + "/",
    lambda p: "/accounts/verify/" + signing.TimestampSigner(salt="other").sign_object({"u": 1, "e": "x"}) + "/",
])
def test_tampered_token_is_refused(client, signed_up, tamper):
    response = client.post(tamper(verification_path()))
    assert response.status_code == 400
    assert "验证链接无效" in response.content.decode()
    assert not User.objects.get(email="wang.xm@example.cn").email_verified


def test_expired_token_is_refused(client, applicant):
    class ThreeDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 3 * 86400 - 5)

    token = ThreeDaysAgo(salt=VERIFY_SALT).sign_object({"u": applicant.pk, "e": applicant.email})
    response = client.post(reverse("verify_email", kwargs={"token": token}))
    assert response.status_code == 400 and "有效期" in response.content.decode()
    applicant.refresh_from_db()
    assert not applicant.email_verified


def test_a_link_for_an_old_address_does_not_verify_the_new_one(client, applicant):
    token = email_verification_token(user=applicant)
    User.objects.filter(pk=applicant.pk).update(email="new@example.cn")
    assert client.post(reverse("verify_email", kwargs={"token": token})).status_code == 400
    applicant.refresh_from_db()
    assert not applicant.email_verified


def test_sign_up_with_a_registered_address_answers_the_same_and_mails_its_owner(
        client, make_user, django_capture_on_commit_callbacks):
    owner = make_user(email="wang.xm@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse("signup"), SIGNUP)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(reverse("signup"), SIGNUP | {"email": "new.person@example.cn"})
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url) == (302, reverse("signup_done"))
    assert "该邮箱已注册" not in client.get(taken.url).content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(email__iexact="wang.xm@example.cn").count() == 1
    owner.refresh_from_db()
    assert not owner.check_password(SIGNUP["password1"])
    note = Notification.objects.get(recipient=owner)
    assert note.template == "signup_existing_account" and "忘记了密码" in note.body
    assert [m.to for m in mail.outbox] == [["wang.xm@example.cn"], ["new.person@example.cn"]]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"mobile": "12812345678"}, "mobile", "手机号码应为11位数字"),
    ({"mobile": ""}, "mobile", "请填写手机号码"),
    ({"email": "not-an-email"}, "email", "请输入有效的电子邮箱地址"),
    ({"password2": "Kexue-fudao-2026"}, "password2", "两次输入的密码不一致"),
    ({"password1": "12345678", "password2": "12345678"}, "password1", "密码"),
    ({"password1": "abc", "password2": "abc"}, "password1", "密码"),
])
def test_bad_input_gets_a_chinese_message(client, db, changes, field, words):
    response = client.post(reverse("signup"), SIGNUP | changes)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(words in e for e in errors), errors
    assert not any(re.search(r"[A-Za-z]{4,}", e) for e in errors), errors
    assert 'value="王小明"' in response.content.decode()
    assert not User.objects.exists()


def test_resend_is_rate_limited_and_sends_a_fresh_link(client, signed_up, django_capture_on_commit_callbacks):
    url = reverse("verify_email_resend")
    response = client.post(url, follow=True)
    assert "请1分钟后再试" in response.content.decode()
    assert Notification.objects.filter(template="verify_email").count() == 1

    Notification.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "验证邮件已重新发送" in response.content.decode()
    assert Notification.objects.filter(template="verify_email").count() == 2
    assert len(mail.outbox) == 2

    client.post(re.search(r"/accounts/verify/[^/\s]+/", mail.outbox[1].body).group(0))
    response = client.post(url, follow=True)
    assert "无需重新发送" in response.content.decode()


def test_resend_needs_a_signed_in_user(client, db):
    response = client.post(reverse("verify_email_resend"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_signed_in_user_is_sent_home_from_signup(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("signup"))
    assert response.status_code == 302 and response.url == reverse("home")
