"""Refund deadline, member rate, unified social credit code, invoice details, reminders, member import."""

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from certification.models import AuditEntry, Notification, Role
from payments.models import MemberRecord, Order, Payment, Refund
from payments.resources import MemberRecordResource
from payments.services import (
    bank_transfer_confirm,
    member_rate_evaluate,
    order_invoice_mark_issued,
    order_invoice_update,
    order_recheck_member_rate,
    order_settle_withdrawal,
    orders_remind_unpaid,
    payment_start,
    refund_by_administrator,
    refund_complete_manually,
)
from payments.validators import validate_uscc


def at(monkeypatch, instant):
    monkeypatch.setattr(timezone, "now", lambda: instant)


# --- refunds around the deadline ---------------------------------------------------------------------------

def test_withdrawal_one_second_before_the_deadline_refunds_in_full(monkeypatch, open_campaign, applicant, submit,
                                                                   pay):
    app, order = submit(applicant, open_campaign)
    pay(order)
    at(monkeypatch, open_campaign.application_closes_at - dt.timedelta(seconds=1))
    with transaction.atomic():
        order_settle_withdrawal(application=app, actor=applicant, reason="工作调动")
    order.refresh_from_db()
    refund = Refund.objects.get()
    assert order.status == Order.Status.REFUNDED
    assert (refund.amount, refund.state, refund.actor) == (Decimal("500.00"), Refund.State.DONE, applicant)
    assert refund.provider_refund_id.startswith("SBXR")
    assert Payment.objects.get().state == Payment.State.REFUNDED
    assert Notification.objects.filter(template="order_refunded").count() == 1


def test_withdrawal_one_second_after_the_deadline_is_refused(monkeypatch, open_campaign, applicant, submit, pay):
    app, order = submit(applicant, open_campaign)
    pay(order)
    at(monkeypatch, open_campaign.application_closes_at + dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        order_settle_withdrawal(application=app, actor=applicant)
    assert "截止后不能取消报名" in exc.value.messages[0]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not Refund.objects.exists()


def test_deadline_is_the_end_of_the_last_day_in_shanghai(open_campaign):
    closes = timezone.localtime(open_campaign.application_closes_at)
    assert (closes.date(), closes.hour, closes.minute, closes.second) == (open_campaign.application_end, 23, 59, 59)
    assert str(closes.tzinfo) == "Asia/Shanghai"


def test_withdrawal_of_an_unpaid_order_cancels_it(open_campaign, applicant, submit):
    app, order = submit(applicant, open_campaign)
    order_settle_withdrawal(application=app, actor=applicant)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and not Refund.objects.exists()


def test_after_the_deadline_only_an_administrator_refunds_with_a_reason(monkeypatch, open_campaign, applicant,
                                                                        submit, pay, make_user):
    _app, order = submit(applicant, open_campaign)
    pay(order)
    at(monkeypatch, open_campaign.application_closes_at + dt.timedelta(days=3))
    secretariat = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    with pytest.raises(PermissionDenied):
        refund_by_administrator(order=order, actor=secretariat, reason="重复缴费")
    admin = make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError):
        refund_by_administrator(order=order, actor=admin, reason=" ")
    refund = refund_by_administrator(order=order, actor=admin, reason="因病无法参加，经秘书处研究同意")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert refund.actor == admin and "因病" in refund.reason
    assert AuditEntry.objects.for_object(order).filter(action="payments.order.refunded", actor=admin).exists()


def test_bank_transfer_confirmed_by_staff_and_refunded_by_hand(open_campaign, applicant, submit, make_user):
    app, order = submit(applicant, open_campaign)
    payment_start(order=order, provider_code="bank_transfer", actor=applicant)
    staff = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    with pytest.raises(ValidationError):
        bank_transfer_confirm(order=order, actor=staff, reference="")
    bank_transfer_confirm(order=order, actor=staff, reference="ICBC20240601001")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.get(state="confirmed").confirmed_by == staff
    with pytest.raises(ValidationError):
        bank_transfer_confirm(order=order, actor=staff, reference="ICBC20240601001")
    order_settle_withdrawal(application=app, actor=applicant)
    order.refresh_from_db()
    refund = Refund.objects.get()
    assert (order.status, refund.state) == (Order.Status.REFUNDING, Refund.State.PENDING)
    refund_complete_manually(refund=refund, actor=staff, reference="ICBC-R-1")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


# --- member rate -------------------------------------------------------------------------------------------

@pytest.fixture
def member(db):
    return MemberRecord.objects.create(number="M2023001", name="王晓明", valid_until=dt.date(2024, 5, 1))


def test_member_rate_valid_through_the_end_of_the_month(open_campaign, member):
    end_of_may = timezone.make_aware(dt.datetime(2024, 5, 31, 23, 59, 59))
    applies, note = member_rate_evaluate(campaign=open_campaign, member_number="M2023001", member_name="王晓明",
                                         at=end_of_may)
    assert applies and note == "会员价：¥350.00（七折）"
    applies, note = member_rate_evaluate(campaign=open_campaign, member_number="M2023001", member_name="王晓明",
                                         at=end_of_may + dt.timedelta(seconds=1))
    assert not applies and note == "会籍已于2024年5月到期"


def test_member_rate_refused_for_unknown_number_and_mismatched_name(open_campaign, member):
    june = timezone.make_aware(dt.datetime(2024, 4, 1))
    assert member_rate_evaluate(campaign=open_campaign, member_number="M999", member_name="王晓明",
                                at=june) == (False, "会员编号不存在")
    assert member_rate_evaluate(campaign=open_campaign, member_number="M2023001", member_name="王小明",
                                at=june) == (False, "姓名与会员登记不一致")


def test_order_applies_member_rate_and_applicant_can_recheck(open_campaign, make_user, submit, member):
    user = make_user(full_name="王晓明")
    _app, order = submit(user, open_campaign, member_number="M2023001")
    assert (order.amount, order.member_rate_applied, order.member_rate_note) == (
        Decimal("500.00"), False, "会籍已于2024年5月到期")
    member.valid_until = dt.date(timezone.localdate().year + 1, 12, 1)
    member.save()
    order_recheck_member_rate(order=order, actor=user, member_number="M2023001")
    assert (order.amount, order.member_rate_applied, order.member_rate_note) == (
        Decimal("350.00"), True, "会员价：¥350.00（七折）")


def test_expired_member_pays_full_price_and_valid_member_pays_member_rate(open_campaign, make_user, submit, pay):
    MemberRecord.objects.create(number="M1", name="李四", valid_until=dt.date(2020, 1, 1))
    MemberRecord.objects.create(number="M2", name="张三", valid_until=dt.date(2099, 12, 1))
    _a, expired = submit(make_user(full_name="李四"), open_campaign, member_number="M1")
    _b, valid = submit(make_user(full_name="张三"), open_campaign, member_number="M2")
    assert expired.amount == Decimal("500.00") and valid.amount == Decimal("350.00")
    pay(valid)
    assert valid.status == Order.Status.PAID
    assert Payment.objects.get(order=valid).amount == Decimal("350.00")


def test_member_registry_reimport_updates_instead_of_duplicating(db):
    def rows(name, month):
        return tablib.Dataset(["M2023001", name, month], ["M2023002", "赵六", "2025/12"],
                              headers=["会员编号", "姓名", "有效期至"])

    assert not MemberRecordResource().import_data(rows("王晓明", "2024-05"), dry_run=False).has_errors()
    result = MemberRecordResource().import_data(rows("王晓明", "2026年5月"), dry_run=False)
    assert not result.has_errors()
    assert MemberRecord.objects.count() == 2
    assert MemberRecord.objects.get(number="M2023001").valid_until == dt.date(2026, 5, 1)
    bad = tablib.Dataset(["M3", "钱七", "明年"], headers=["会员编号", "姓名", "有效期至"])
    assert MemberRecordResource().import_data(bad, dry_run=True).has_validation_errors()


# --- invoice details ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["91350100M000100Y43", "911100001000044477", "91310000775785552L",
                                  # A lettered registration authority (N 农业), which stdnum alone refuses.
                                  "N2110000MA00000001"])
def test_uscc_checksum_valid(code):
    validate_uscc(code)


@pytest.mark.parametrize("code,reason", [
    ("91350100M000100Y44", "校验位"), ("91110000100000589B", "校验位"), ("91350100M000100Y4", "18位"),
    ("91350100M0001O0Y43", "无效字符"), ("N2110000MA00000002", "校验位"), ("B2110000MA00000001", "无效字符"),
])
def test_uscc_checksum_invalid(code, reason):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert reason in exc.value.messages[0]


def test_company_invoice_needs_valid_taxpayer_id_and_freezes_once_issued(open_campaign, applicant, submit, pay,
                                                                         make_user):
    _app, order = submit(applicant, open_campaign)
    with pytest.raises(ValidationError):
        order_invoice_update(order=order, actor=applicant, title_type="company", title="某某中学", taxpayer_id="",
                             email="a@example.cn")
    with pytest.raises(ValidationError):
        order_invoice_update(order=order, actor=applicant, title_type="company", title="某某中学",
                             taxpayer_id="91350100M000100Y44", email="a@example.cn")
    order_invoice_update(order=order, actor=applicant, title_type="company", title="某某中学",
                         taxpayer_id="91350100m000100y43", email="a@example.cn")
    assert order.invoice_taxpayer_id == "91350100M000100Y43"
    pay(order)
    staff = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    order_invoice_mark_issued(order=order, actor=staff, invoice_number="24000001")
    assert order.get_invoice_status_display() == "已开"
    with pytest.raises(ValidationError) as exc:
        order_invoice_update(order=order, actor=applicant, title_type="personal", title="王", taxpayer_id="",
                             email="a@example.cn")
    assert "发票已开具" in exc.value.messages[0]
    order.refresh_from_db()
    assert order.invoice_title == "某某中学"


# --- reminders ---------------------------------------------------------------------------------------------

def test_reminder_once_per_unpaid_order_within_the_configured_days(monkeypatch, settings, open_campaign, applicant,
                                                                   make_user, submit, pay):
    settings.PAYMENT_REMINDER_DAYS = 3
    _a, unpaid = submit(applicant, open_campaign)
    _b, paid = submit(make_user(), open_campaign)
    pay(paid)
    deadline = open_campaign.application_closes_at
    assert orders_remind_unpaid(now=deadline - dt.timedelta(days=4)) == 0
    from payments.tasks import remind_unpaid_orders

    at(monkeypatch, deadline - dt.timedelta(days=2))
    assert remind_unpaid_orders.delay().get() == 1
    assert remind_unpaid_orders.delay().get() == 0
    reminders = Notification.objects.filter(template="order_payment_reminder")
    assert [n.recipient for n in reminders] == [applicant]
    assert unpaid.number in reminders.get().body
    assert orders_remind_unpaid(now=deadline + dt.timedelta(seconds=1)) == 0


def test_withdrawal_takes_the_callers_clock(open_campaign, applicant, submit, pay):
    app, order = submit(applicant, open_campaign)
    pay(order)
    with pytest.raises(ValidationError):
        order_settle_withdrawal(application=app, actor=applicant,
                                now=open_campaign.application_closes_at + dt.timedelta(seconds=1))
    order_settle_withdrawal(application=app, actor=applicant,
                            now=open_campaign.application_closes_at - dt.timedelta(seconds=1))
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_transition_still_checks_a_constraint_over_a_field_it_changes(open_campaign, applicant, submit):
    """A transition does not validate again what it read under the lock and left as it was (issue 13.4), but a
    constraint that reads a field it changes is checked, with its message, before the database would refuse it."""
    from payments.services import order_transition

    _app, order = submit(applicant, open_campaign)
    with pytest.raises(ValidationError, match="应付金额不能高于认证评审费"):
        order_transition(order=order, to=Order.Status.PAID, actor=applicant, action="payments.order.paid",
                         apply=lambda o: setattr(o, "amount", o.list_price + 1))
    order.refresh_from_db()
    assert (order.status, order.amount) == (Order.Status.PENDING, order.list_price)
