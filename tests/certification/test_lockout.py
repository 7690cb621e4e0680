"""Issue 9.9: sign-in locks out after repeated failures per account and per address; administrators unlock;
mail-sending forms are throttled. Real requests through the login page, django-axes and django-ratelimit."""

import pytest
from django.test import Client
from django.urls import reverse

from certification.models import Role

LIMIT = 10


def sign_in(email, password, ip="10.1.1.1"):
    return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": email, "password": password})


@pytest.mark.django_db
def test_twenty_wrong_passwords_then_the_right_one_is_locked_out_with_when_to_retry(make_user, settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    user = make_user(email="victim@example.cn")
    answers = [sign_in("victim@example.cn", f"wrong-{n}", ip=f"10.0.0.{n}").status_code for n in range(20)]
    assert answers[:LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, "邮箱或密码不正确"
    assert set(answers[LIMIT:]) == {429}
    response = sign_in("Victim@Example.cn", user.raw_password, ip="10.9.9.9")  # another address, other case
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂时锁定" in page and "之后再试" in page and "15分钟" in page


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_locked_out_but_others_are_not(make_user):
    user = make_user(email="teacher@example.cn")
    for n in range(LIMIT):
        sign_in(f"guess{n}@example.cn", "wrong", ip="10.2.2.2")
    assert sign_in("teacher@example.cn", user.raw_password, ip="10.2.2.2").status_code == 429
    assert sign_in("teacher@example.cn", user.raw_password, ip="10.3.3.3").status_code == 302


@pytest.mark.django_db
def test_an_administrator_unlocks_from_the_admin(make_user):
    from axes.models import AccessAttempt

    user = make_user(email="locked@example.cn")
    for n in range(LIMIT):
        sign_in("locked@example.cn", "wrong", ip=f"10.4.0.{n}")
    assert sign_in("locked@example.cn", user.raw_password).status_code == 429
    admin = make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "locked@example.cn" in client.get(changelist).content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert sign_in("locked@example.cn", user.raw_password).status_code == 302


@pytest.mark.django_db
def test_password_reset_is_throttled_per_address_and_per_email(make_user):
    make_user(email="reset@example.cn")
    client = Client(REMOTE_ADDR="10.5.5.5")
    url = reverse("password_reset")
    codes = [client.post(url, {"email": "reset@example.cn"}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    response = client.post(url, {"email": "reset@example.cn"})
    assert "操作过于频繁" in response.content.decode()
    other = Client(REMOTE_ADDR="10.6.6.6")
    assert other.post(url, {"email": "someone-else@example.cn"}).status_code == 302
    flood = Client(REMOTE_ADDR="10.7.7.7")
    codes = [flood.post(url, {"email": f"a{n}@example.cn"}).status_code for n in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429


@pytest.mark.django_db
def test_verification_resend_is_throttled(make_user):
    user = make_user(email="unverified@example.cn")
    client = Client()
    client.force_login(user)
    url = reverse("verify_email_resend")
    codes = [client.post(url).status_code for _ in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429


@pytest.mark.django_db
def test_proxy_headers_count_only_from_the_trusted_proxy(make_user, settings):
    settings.TRUSTED_PROXY_IPS = ["172.28.0.10"]
    user = make_user(email="proxied@example.cn")
    # A client talking to gunicorn directly cannot dodge the per-address count with X-Real-IP.
    for n in range(LIMIT):
        Client(REMOTE_ADDR="10.8.8.8", HTTP_X_REAL_IP=f"10.200.0.{n}").post(
            reverse("login"), {"username": f"g{n}@example.cn", "password": "x"})
    assert sign_in("proxied@example.cn", user.raw_password, ip="10.8.8.8").status_code == 429
    # Through the proxy, the address nginx saw is what counts.
    via_proxy = Client(REMOTE_ADDR="172.28.0.10", HTTP_X_REAL_IP="10.9.0.1")
    assert via_proxy.post(reverse("login"), {"username": "proxied@example.cn",
                                             "password": user.raw_password}).status_code == 302
