"""Fifty concurrent deliveries of one signed notification plus the browser return: one payment, one e-mail.

Needs PostgreSQL: SQLite has no row locks (`select_for_update` is a no-op there) and serialises writers on
the whole file, so the race this test is about cannot even happen on it.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from applicants.models import Application
from certification.models import Notification
from payments.models import NotificationLog, Order, Payment
from payments.providers.sandbox import SandboxProvider
from payments.services import payment_start

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="needs PostgreSQL row locks (SQLite has no SELECT … FOR UPDATE)")

DELIVERIES = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_notifications_and_the_return_confirm_exactly_once(open_campaign, applicant, submit):
    app, order = submit(applicant, open_campaign)
    payment, _ = payment_start(order=order, provider_code="sandbox", actor=applicant)
    params = SandboxProvider().gateway_params(payment=payment)
    barrier = threading.Barrier(DELIVERIES + 1)
    responses, errors = [], []

    def deliver(kind):
        try:
            client = Client()
            barrier.wait(timeout=30)
            if kind == "notify":
                responses.append(client.post("/orders/notify/sandbox/", params).content)
            else:
                responses.append(client.get("/orders/return/sandbox/", params).status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=("notify",)) for _ in range(DELIVERIES)]
    threads.append(threading.Thread(target=deliver, args=("return",)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert sorted(map(str, responses)) == sorted(["b'success'"] * DELIVERIES + ["302"])
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert app.status == Application.Status.UNDER_REVIEW
    assert Payment.objects.filter(state=Payment.State.CONFIRMED).count() == 1
    assert Payment.objects.get(state="confirmed").provider_txn_id == params["trade_no"]
    assert NotificationLog.objects.filter(outcome="accepted").count() == 1
    assert NotificationLog.objects.filter(outcome="duplicate").count() == DELIVERIES
    assert Notification.objects.filter(template="order_paid").count() == 1
    assert Notification.objects.filter(template="application_status_changed", recipient=applicant).count() == 1
