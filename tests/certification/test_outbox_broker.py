"""A lost broker loses nothing (transactional outbox).

With the broker at a closed port (a real connection refusal, nothing of ours mocked) sign-up, withdrawal and a
payment notification still succeed: their changes and their outbox rows commit, the hand-off to Celery is
logged and left for the sweep. Once the broker is back the sweep sends each message exactly once.
"""

import socket

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certification.models import Notification
from certification.notifications import STALE_AFTER, notifications_resend_stale

SIGNUP = {"full_name": "张三", "email": "broker-down@example.cn", "mobile": "13812345678",
          "password1": "Kexue-Fudao-2026", "password2": "Kexue-Fudao-2026"}


@pytest.fixture
def broker_down():
    """Point the Celery app at a port nobody listens on, not eager: every `delay()` really fails to connect."""
    from config.celery_app import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_connection_timeout",
                                            "task_publish_retry_policy")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{port}/0", task_always_eager=False, broker_connection_timeout=1,
                    task_publish_retry_policy={"max_retries": 0})
    app._pool = None  # no connection pooled for a broker of before
    yield app
    app.conf.update(saved)
    app._pool = None


@pytest.fixture
def broker_back(broker_down):
    """The broker is reachable again (tasks run inline here, as the test settings do everywhere)."""
    def back():
        broker_down.conf.task_always_eager = True
    return back


def test_signup_withdrawal_and_payment_survive_a_lost_broker_and_the_sweep_sends_once(
        client, django_capture_on_commit_callbacks, broker_back, open_campaign_for_outbox, make_user):
    campaign, submit, pay_params = open_campaign_for_outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302  # not a 500: the account exists, its verification mail is queued
    assert Notification.objects.get(to_email=SIGNUP["email"]).status == "queued"

    payer = make_user(email="payer@example.cn")
    app_paid, order_paid = submit(payer, campaign)
    params = pay_params(order_paid)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/notify/sandbox/", params)
    assert response.status_code == 200 and response.content == b"success"
    order_paid.refresh_from_db()
    assert order_paid.status == "paid"
    from payments.models import NotificationLog
    assert NotificationLog.objects.get(order_number=order_paid.number).outcome == "accepted"

    leaver = make_user(email="leaver@example.cn")
    app_left, _ = submit(leaver, campaign)
    client.force_login(leaver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applicants:withdraw", args=[app_left.pk]), {"reason": "时间冲突"})
    assert response.status_code == 302
    app_left.refresh_from_db()
    assert app_left.status == "withdrawn"

    queued = set(Notification.objects.filter(status="queued").values_list("to_email", flat=True))
    assert {"broker-down@example.cn", "payer@example.cn", "leaver@example.cn"} <= queued
    assert mail.outbox == []

    # Too young for the sweep: left alone (a worker may still be about to take it).
    assert notifications_resend_stale() == 0
    broker_back()
    later = timezone.now() + STALE_AFTER + timezone.timedelta(seconds=1)
    swept = notifications_resend_stale(now=later)
    assert swept == Notification.objects.count()
    assert not Notification.objects.filter(status="queued").exists()
    sent_to = sorted(m.to[0] for m in mail.outbox)
    assert len(sent_to) == swept
    assert notifications_resend_stale(now=later) == 0  # sent once, never again
    assert len(mail.outbox) == swept


def test_outbox_page_shows_the_backlog(client, make_user, seeded):
    from certification.models import Role

    old = Notification.objects.create(to_email="a@example.cn", template="t", subject="s", body="b",
                                      created_at=timezone.now() - STALE_AFTER * 3)
    Notification.objects.create(to_email="b@example.cn", template="t", subject="s", body="b")
    client.force_login(make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会"))
    page = client.get(reverse("outbox")).content.decode()
    assert "待发送 2 封" in page and "其中 1 封已超过" in page
    assert f"{timezone.localtime(old.created_at):%Y-%m-%d %H:%M}" in page
