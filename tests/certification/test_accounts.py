"""Signing in with an e-mail address, each role's home page, logout and passwords."""

import re

import pytest
from django.core import mail

from certification.models import Role, User

PASSWORD = "Pass-word-2026"


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password}, follow=True)


@pytest.mark.parametrize("role,authority,home", [
    (Role.APPLICANT, None, "/me/"),
    (Role.PROVINCIAL_SECRETARIAT, "江苏省青少年科技教育协会", "/workbench/"),
    (Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会", "/workbench/"),
    (Role.EXPERT, None, "/expert/"),
    (Role.SUPERVISOR, None, "/supervision/"),
])
def test_each_role_lands_on_its_home_after_login(seeded, client, make_user, role, authority, home):
    user = make_user(role, authority)
    response = _login(client, user.email)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == home
    assert response.wsgi_request.user == user


def test_administrator_lands_in_the_chinese_admin(db, client):
    User.objects.create_superuser(email="root@example.cn", password=PASSWORD)
    response = _login(client, "root@example.cn")
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
    page = response.content.decode()
    assert "管理" in page and "管理首页" in page
    # Django's own admin strings come out in Chinese too, and so do our models.
    assert "欢迎" in page and "注销" in page and "省级行政区" in page


def test_login_is_by_email_case_insensitively(db, client, make_user):
    user = make_user(email="mixed@example.cn")
    response = _login(client, "Mixed@Example.CN")
    assert response.wsgi_request.user == user


def test_wrong_password_keeps_the_email_and_says_so_in_chinese(db, client, make_user):
    user = make_user()
    response = _login(client, user.email, "wrong-password")
    page = response.content.decode()
    assert "邮箱或密码不正确" in page
    assert f'value="{user.email}"' in page
    assert not response.wsgi_request.user.is_authenticated


def test_logout_needs_post_and_ends_the_session(db, client, applicant):
    client.force_login(applicant)
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/me/").status_code == 302


def test_password_change(db, client, applicant):
    client.force_login(applicant)
    response = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": "Neues-Kennwort-77", "new_password2": "Neues-Kennwort-77"},
        follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/change/done/"
    applicant.refresh_from_db()
    assert applicant.check_password("Neues-Kennwort-77")


def test_password_change_errors_are_chinese(db, client, applicant):
    client.force_login(applicant)
    page = client.post("/accounts/password/change/", {
        "old_password": "not-it", "new_password1": "abc", "new_password2": "abd"}).content.decode()
    assert "你的旧密码不正确" in page or "旧密码不正确" in page
    assert "请修正下列问题" in page


def test_password_reset_by_email_link(db, client, applicant):
    response = client.post("/accounts/password/reset/", {"email": applicant.email}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [applicant.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Brand-new-pass-9", "new_password2": "Brand-new-pass-9"},
                       follow=True)
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"
    client.logout()
    assert _login(client, applicant.email, "Brand-new-pass-9").wsgi_request.user == applicant
    # The link is single-use.
    assert "重设链接无效或已过期" in client.get(link, follow=True).content.decode()


def test_password_reset_for_unknown_email_sends_nothing(db, client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert mail.outbox == []


def test_an_administrator_must_be_staff(db):
    """Otherwise the role's home page (the admin) would refuse the very person it is for."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from certification.models import Role, User

    user = User(email="admin-without-staff@example.cn", role=Role.ADMINISTRATOR, is_staff=False)
    user.set_password("Pass-word-2026")
    with pytest.raises(ValidationError, match="管理员角色必须具有后台登录权限"):
        user.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()
