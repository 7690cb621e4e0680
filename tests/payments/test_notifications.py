"""The sandbox gateway's signed notifications: accepted once, every bad one refused, logged, and harmless."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applicants.models import Application
from certification.models import Notification
from payments.models import NotificationLog, Order, Payment
from payments.providers.sandbox import SandboxProvider, sign, signed
from payments.services import order_settle_withdrawal, payment_start

NOTIFY = "/orders/notify/sandbox/"


@pytest.fixture
def pending(open_campaign, applicant, submit):
    app, order = submit(applicant, open_campaign)
    payment, _ = payment_start(order=order, provider_code="sandbox", actor=applicant)
    return app, order, payment


def snapshot(order):
    order.refresh_from_db()
    app = Application.objects.get(pk=order.application_id)
    return (order.status, order.paid_at, app.status, Payment.objects.filter(state="confirmed").count(),
            Notification.objects.filter(template="order_paid").count())


def test_genuine_notification_confirms_once_and_replays_change_nothing(client, pending):
    app, order, payment = pending
    params = SandboxProvider().gateway_params(payment=payment)
    for _ in range(3):
        response = client.post(NOTIFY, params)
        assert response.status_code == 200 and response.content == b"success"
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert app.status == Application.Status.UNDER_REVIEW and app.paid_at
    payment.refresh_from_db()
    assert (payment.state, payment.provider_txn_id, payment.amount) == ("confirmed", params["trade_no"],
                                                                         Decimal("500.00"))
    assert payment.raw_notification["sign"] == params["sign"]
    outcomes = list(NotificationLog.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["accepted", "duplicate", "duplicate"]
    assert Notification.objects.filter(template="order_paid", recipient=order.applicant).count() == 1


def test_browser_return_after_notification_is_a_duplicate(client, pending):
    _app, order, payment = pending
    client.force_login(order.applicant)
    params = SandboxProvider().gateway_params(payment=payment)
    client.post(NOTIFY, params)
    response = client.get(reverse("payments:provider_return", args=["sandbox"]), params, follow=True)
    assert "资格审查中" in response.content.decode()
    assert Payment.objects.filter(state="confirmed").count() == 1
    assert NotificationLog.objects.filter(source="return").get().outcome == "duplicate"


def _refused(client, params, reason_part, order):
    before = snapshot(order)
    response = client.post(NOTIFY, params)
    assert response.content == b"fail"
    log = NotificationLog.objects.latest("pk")
    assert log.outcome == NotificationLog.Outcome.REFUSED
    assert reason_part in log.reason
    assert snapshot(order) == before
    assert before[0] == order.status


def test_forged_signature_is_refused(client, pending):
    _app, order, payment = pending
    params = SandboxProvider().gateway_params(payment=payment)
    params["sign"] = "0" * 64
    _refused(client, params, "签名", order)
    # Re-signing with another key is just as forged.
    params = {k: v for k, v in SandboxProvider().gateway_params(payment=payment).items() if k != "sign"}
    import hashlib
    import hmac
    message = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["sign"] = hmac.new(b"guessed-secret", message.encode(), hashlib.sha256).hexdigest()
    _refused(client, params, "签名", order)
    assert order.status == Order.Status.PENDING


def test_tampered_amount_breaks_the_signature(client, pending):
    _app, order, payment = pending
    params = SandboxProvider().gateway_params(payment=payment)
    params["total_amount"] = "0.01"
    _refused(client, params, "签名", order)


def test_wrong_amount_signed_is_refused(client, pending):
    _app, order, payment = pending
    params = dict(SandboxProvider().gateway_params(payment=payment))
    params.pop("sign")
    params["total_amount"] = "350.00"
    _refused(client, signed(params), "金额不符", order)


def test_wrong_currency_is_refused(client, pending):
    _app, order, payment = pending
    params = dict(SandboxProvider().gateway_params(payment=payment))
    params.pop("sign")
    params["currency"] = "USD"
    _refused(client, signed(params), "币种不符", order)


def test_unknown_order_is_refused(client, pending):
    _app, order, payment = pending
    params = dict(SandboxProvider().gateway_params(payment=payment))
    params.pop("sign")
    params["out_trade_no"] = "KJ20990101000000000000"
    _refused(client, signed(params), "订单不存在", order)
    assert NotificationLog.objects.latest("pk").order_number == "KJ20990101000000000000"


def test_notification_for_a_cancelled_order_is_refused(client, pending, django_capture_on_commit_callbacks):
    app, order, payment = pending
    params = SandboxProvider().gateway_params(payment=payment)
    order_settle_withdrawal(application=app, actor=app.applicant, reason="不报了")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    _refused(client, params, "已取消", order)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CANCELLED and payment.provider_txn_id is None


def test_signature_covers_every_field():
    params = {"out_trade_no": "KJ1", "total_amount": "500.00", "currency": "CNY"}
    assert sign(params) != sign({**params, "total_amount": "500.01"})
    assert sign(params) == sign(dict(reversed(list(params.items()))))


def test_exceptional_track_pays_nothing_and_goes_on(open_campaign, applicant, submit):
    app, order = submit(applicant, open_campaign, track=Application.Track.EXCEPTIONAL)
    app.refresh_from_db()
    assert (order.status, order.amount, order.fee_waived) == (Order.Status.PAID, Decimal("0.00"), True)
    assert app.status == Application.Status.UNDER_REVIEW
    assert not Payment.objects.exists()


def test_one_order_per_application(open_campaign, applicant, submit):
    from payments.services import order_open_for_application

    app, order = submit(applicant, open_campaign)
    assert order_open_for_application(application=app, actor=applicant) == order
    assert Order.objects.count() == 1
    assert order.number.startswith("KJ") and len(order.number) == 22
    assert (order.list_price, order.amount, order.currency) == (Decimal("500.00"), Decimal("500.00"), "CNY")


def test_money_rows_cannot_be_deleted(open_campaign, applicant, submit, pay):
    _app, order = submit(applicant, open_campaign)
    pay(order)
    for model in (Order, Payment, NotificationLog):
        with pytest.raises(PermissionError):
            model.objects.first().delete()
        with pytest.raises(PermissionError):
            model.objects.all().delete()
    assert Order.objects.count() == Payment.objects.count() == 1


def test_sandbox_is_refused_where_the_deployment_does_not_offer_it(client, settings, open_campaign, submit, applicant):
    """Production lists only real providers: a correctly signed sandbox notification must not pay an order."""
    from payments.models import Order
    from payments.providers.sandbox import SandboxProvider
    from payments.services import payment_start

    _app, order = submit(applicant, open_campaign)
    payment, _url = payment_start(order=order, provider_code="sandbox", actor=applicant)
    params = SandboxProvider().gateway_params(payment=payment)
    settings.PAYMENT_PROVIDERS = ["payments.providers.bank_transfer.BankTransferProvider"]

    assert client.post("/orders/notify/sandbox/", params).status_code == 404
    client.force_login(applicant)
    assert client.get(f"/orders/sandbox/pay/{payment.reference}/").status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
