"""Role × state through the payments app's `rules.py`: each state predicate agrees with the service's check."""

import pytest
from django.urls import reverse

from certification.models import Role
from payments import services
from payments.models import Order

OWNER_PERMS = ["payments.access_order", "payments.pay_order", "payments.recheck_member_rate",
               "payments.edit_invoice", "payments.download_receipt"]
STAFF_PERMS = ["payments.manage_orders", "payments.confirm_bank_transfer", "payments.mark_invoice_issued",
               "payments.refund_as_administrator"]


@pytest.fixture
def staff(make_user):
    return {
        "secretariat": make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会"),
        "admin": make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True),
        "expert": make_user(Role.EXPERT),
    }


def test_pending_order(open_campaign, applicant, submit, staff):
    _app, order = submit(applicant, open_campaign)
    assert [applicant.has_perm(p, order) for p in OWNER_PERMS] == [True, True, True, True, False]
    assert services.payment_refusal(order) is None
    assert [staff["secretariat"].has_perm(p, order) for p in STAFF_PERMS] == [True, True, False, False]
    # The administrator (a superuser) gets what the rules give an administrator, not everything.
    assert [staff["admin"].has_perm(p, order) for p in STAFF_PERMS] == [True, True, False, False]
    assert [staff["admin"].has_perm(p, order) for p in OWNER_PERMS] == [False] * 5
    assert [staff["expert"].has_perm(p, order) for p in STAFF_PERMS + OWNER_PERMS] == [False] * 9


def test_paid_order(open_campaign, applicant, submit, pay, staff, make_user):
    _app, order = submit(applicant, open_campaign)
    pay(order)
    assert order.status == Order.Status.PAID
    assert [applicant.has_perm(p, order) for p in OWNER_PERMS] == [True, False, False, True, True]
    assert services.payment_refusal(order) == "订单不是待支付状态，无需支付。"
    assert [staff["secretariat"].has_perm(p, order) for p in STAFF_PERMS] == [True, False, True, False]
    assert [staff["admin"].has_perm(p, order) for p in STAFF_PERMS] == [True, False, True, True]
    assert [make_user().has_perm(p, order) for p in OWNER_PERMS] == [False] * 5


def test_invoice_issued_then_refunded(open_campaign, applicant, submit, pay, staff):
    _app, order = submit(applicant, open_campaign)
    pay(order)
    services.order_invoice_mark_issued(order=order, actor=staff["secretariat"], invoice_number="FP-1")
    assert not applicant.has_perm("payments.edit_invoice", order)
    assert not staff["secretariat"].has_perm("payments.mark_invoice_issued", order)
    services.refund_by_administrator(order=order, actor=staff["admin"], reason="重复缴费")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not staff["admin"].has_perm("payments.refund_as_administrator", order)
    assert not applicant.has_perm("payments.download_receipt", order)


def test_fee_free_order_offers_no_payment_and_no_member_rate(open_campaign, applicant, submit):
    open_campaign.exceptional_track_free = True
    open_campaign.save()
    _app, order = submit(applicant, open_campaign, track="exceptional")
    assert order.fee_waived and order.status == Order.Status.PAID
    assert not applicant.has_perm("payments.pay_order", order)
    assert not applicant.has_perm("payments.recheck_member_rate", order)


def test_staff_page_buttons_follow_the_rules(client, open_campaign, applicant, submit, pay, staff):
    _app, order = submit(applicant, open_campaign)
    url = reverse("payments:staff_order_detail", args=[order.number])
    client.force_login(staff["admin"])
    page = client.get(url).content.decode()
    assert 'value="confirm_transfer"' in page and 'value="admin_refund"' not in page
    pay(order)
    page = client.get(url).content.decode()
    assert 'value="confirm_transfer"' not in page and 'value="admin_refund"' in page
    assert 'value="invoice_issued"' in page
    client.force_login(staff["secretariat"])
    page = client.get(url).content.decode()
    assert 'value="admin_refund"' not in page and 'value="invoice_issued"' in page
