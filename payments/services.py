"""Money. `payments.receivers` calls `order_open_for_application` and `order_settle_withdrawal` when the
applicants app signals a submission or a withdrawal; the views, admin and tasks call the rest.
Every state change of an order goes through `order_transition`, under a lock.
"""

import datetime as dt
import logging
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from applicants.models import Application
from applicants.selectors import profile_for
from applicants.services import application_mark_paid
from certification.db import run_atomic_with_retry
from certification.notifications import notifications_after_locks, notify_user
from certification.predicates import is_administrator
from certification.workflow import audit, audits_batched, transition

from .logcodes import LATE_PAYMENT_REFUNDED
from .models import CNY, MemberRecord, NotificationLog, Order, Payment, Refund
from .providers import NotificationRefused, ParsedNotification, get_provider

logger = logging.getLogger(__name__)

OS = Order.Status
ORDER_TRANSITIONS = {
    OS.PENDING: {OS.PAID, OS.CANCELLED},
    # A fee-free (exceptional track) order has nothing to refund: withdrawing cancels it.
    OS.PAID: {OS.REFUNDED, OS.REFUNDING, OS.CANCELLED},
    OS.REFUNDING: {OS.REFUNDED},
    OS.REFUNDED: set(),
    OS.CANCELLED: set(),
}

CHINESE_DIGITS = "零一二三四五六七八九"


def order_transition(*, order: Order, to: str, actor, action: str, reason: str = "", apply=None,
                     template: str | None = None, context: dict | None = None, already_locked: bool = False) -> Order:
    def notify(locked):
        if template:
            notify_user(user=locked.applicant, template=template, context={"order": locked, **(context or {})})

    return transition(instance=order, to=to, actor=actor, allowed=ORDER_TRANSITIONS, action=action, reason=reason,
                      apply=apply, notify=notify, already_locked=already_locked)


def _lock_application_then_order(*, order_filter: dict):
    """Lock an order *and its application* in the documented order (`certification.db`): application first.

    A withdrawal locks the application (its transition) and then the order. Any path here that goes on to move
    the application too (confirming a payment marks it paid) must not take the order first, or the two wait on
    each other. The application is found through the order in the statement that locks it (FOR UPDATE OF the
    application only: the order is locked next, the applicant and campaign read along are not locked). Returns
    (order, application), both read under their locks, sharing the applicant and campaign (the mail needs
    them), or (None, None).
    """
    application = (Application.objects.select_for_update(of=("self",)).select_related("applicant", "campaign")
                   .filter(pk__in=Order.objects.filter(**order_filter).values("application_id")).first())
    if application is None:
        return None, None
    order = Order.objects.select_for_update().filter(application_id=application.pk, **order_filter).first()
    if order is None:
        return None, None
    order.application = application
    if order.applicant_id == application.applicant_id:
        order.applicant = application.applicant
    if order.campaign_id == application.campaign_id:
        order.campaign = application.campaign
    return order, application


# --- what may be done to an order now (the services check these; `payments.rules` asks the same) -----------

def payment_refusal(order: Order) -> str | None:
    """Why the order cannot be paid now, or None when it can."""
    if order.status != OS.PENDING:
        return "订单不是待支付状态，无需支付。"
    if order.amount <= 0:
        return "订单金额为零，无需支付。"
    if order.campaign.phase() == order.campaign.Phase.CLOSED:
        return "报名已截止，不能再缴费。"
    return None


def member_rate_open(order: Order) -> bool:
    return order.status == OS.PENDING and not order.fee_waived


def invoice_issuable(order: Order) -> bool:
    return order.status in (OS.PAID, OS.REFUNDING, OS.REFUNDED) and order.amount > 0 and order.invoice_editable


def transfer_confirmable(order: Order) -> bool:
    return order.status == OS.PENDING


def administrator_refundable(order: Order) -> bool:
    return order.status == OS.PAID and order.amount > 0


def receipt_available(order: Order) -> bool:
    return order.status == OS.PAID


def refund_completable(refund: Refund) -> bool:
    return refund.state == Refund.State.PENDING


# --- member rate -------------------------------------------------------------------------------------------

def discount_label(rate: Decimal) -> str:
    """0.70 → 七折, 0.85 → 八五折."""
    hundredths = int((rate * 100).quantize(Decimal("1")))
    tens, ones = divmod(hundredths, 10)
    return f"{CHINESE_DIGITS[tens]}{CHINESE_DIGITS[ones] if ones else ''}折"


def member_rate_evaluate(*, campaign, member_number: str, member_name: str, at: dt.datetime) -> tuple[bool, str]:
    """Does the member rate apply, and the sentence that tells the applicant why (not)."""
    member_number = (member_number or "").strip()
    if campaign.member_rate >= 1:
        return False, "本认证活动不设会员价。"
    if not member_number:
        return False, "未填写会员编号，按原价缴费。"
    record = MemberRecord.objects.filter(number=member_number).first()
    if record is None:
        return False, "会员编号不存在"
    if record.name.strip() != (member_name or "").strip():
        return False, "姓名与会员登记不一致"
    if at > record.valid_through:
        return False, f"会籍已于{record.valid_until.year}年{record.valid_until.month}月到期"
    return True, f"会员价：¥{campaign.member_fee}（{discount_label(campaign.member_rate)}）"


def _apply_member_rate(order: Order, *, member_number: str, member_name: str, at: dt.datetime) -> None:
    applies, note = member_rate_evaluate(campaign=order.campaign, member_number=member_number,
                                         member_name=member_name, at=at)
    order.member_number = (member_number or "").strip()
    order.member_name = (member_name or "").strip()
    order.member_rate_applied = applies
    order.member_rate_note = note
    order.amount = order.campaign.member_fee if applies else order.list_price


# --- orders ------------------------------------------------------------------------------------------------

def _membership_on_profile(user) -> tuple[str, str]:
    """The membership the applicant keeps on their profile (applicants app), if they have one yet."""
    profile = profile_for(user=user)
    if profile is None:
        return "", user.full_name
    return profile.member_number or "", profile.full_name or user.full_name


ORDER_NUMBER_ATTEMPTS = 5


def _new_order_number() -> str:
    return f"KJ{timezone.localtime():%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"


def order_open_for_application(*, application, actor, member_number: str | None = None,
                               member_name: str | None = None, now: dt.datetime | None = None) -> Order:
    """Run by `payments.receivers` inside `applicants.services.application_submit`'s transaction.

    Creates the order for the campaign fee (member rate if the membership is valid at `now`, the submission
    instant); a fee-free application (exceptional track) is marked paid at once and moves on to eligibility
    review.
    """
    now = now or timezone.now()
    existing = Order.objects.filter(application=application).first()
    if existing:
        return existing
    campaign = application.campaign
    user = application.applicant
    waived = application.track == Application.Track.EXCEPTIONAL and campaign.exceptional_track_free
    if member_number is None or member_name is None:
        profile_number, profile_name = _membership_on_profile(user)
        member_number = profile_number if member_number is None else member_number
        member_name = profile_name if member_name is None else member_name
    order = Order(application=application, applicant=user, campaign=campaign, list_price=campaign.fee,
                  amount=campaign.fee, fee_waived=waived, invoice_title=user.full_name, invoice_email=user.email)
    if waived:
        order.amount = Decimal("0.00")
        order.member_rate_note = "破格认证免缴认证评审费。"
    else:
        _apply_member_rate(order, member_number=member_number, member_name=member_name, at=now)
    # The number's uniqueness is left to the database: `full_clean()` would turn a collision into a
    # ValidationError before the retry below ever saw it. A collision (same second, same random part) is an
    # IntegrityError on `number`, and the insert is retried with a fresh number in its own savepoint.
    order.full_clean(exclude=["number"])
    for attempt in range(ORDER_NUMBER_ATTEMPTS):
        order.number = _new_order_number()
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == ORDER_NUMBER_ATTEMPTS - 1 or not Order.objects.filter(number=order.number).exists() \
                    or Order.objects.filter(application=application).exists():
                raise
    audit(subject=order, action="payments.order.opened", actor=actor, to_state=order.status,
          reason=f"应付 ¥{order.amount}；{order.member_rate_note}")
    if waived:
        order_transition(order=order, to=OS.PAID, actor=actor, action="payments.order.fee_waived",
                         apply=lambda o: setattr(o, "paid_at", now))
        _mark_application_paid(order=order, actor=actor, now=now)
    else:
        notify_user(user=user, template="order_created", context={"order": order})
    return order


def order_recheck_member_rate(*, order: Order, actor, member_number: str, member_name: str | None = None) -> Order:
    """Let the applicant try the member rate again while the order is unpaid."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("campaign", "applicant").get(pk=order.pk)
        if not member_rate_open(locked):
            raise ValidationError("订单已支付或已关闭，不能再更改会员价。")
        before = locked.amount
        if member_name is None:
            member_name = _membership_on_profile(locked.applicant)[1]
        _apply_member_rate(locked, member_number=member_number, member_name=member_name, at=timezone.now())
        locked.full_clean()
        locked.save()
        if locked.amount != before:
            # The gateway was told the old amount: those attempts can no longer be paid.
            locked.payments.filter(state=Payment.State.CREATED).update(state=Payment.State.CANCELLED)
        audit(subject=locked, action="payments.order.member_rate_checked", actor=actor, reason=locked.member_rate_note)
    order.refresh_from_db()
    return order


def order_invoice_update(*, order: Order, actor, title_type: str, title: str, taxpayer_id: str,
                         email: str) -> Order:
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.invoice_editable:
            raise ValidationError("发票已开具，开票信息不能再修改。如需更正请联系秘书处。")
        locked.invoice_title_type = title_type
        locked.invoice_title = (title or "").strip()
        locked.invoice_taxpayer_id = (taxpayer_id or "").strip().upper()
        locked.invoice_email = (email or "").strip()
        locked.full_clean()
        locked.save()
        audit(subject=locked, action="payments.order.invoice_changed", actor=actor)
    order.refresh_from_db()
    return order


def order_invoice_mark_issued(*, order: Order, actor, invoice_number: str = "") -> Order:
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in (OS.PAID, OS.REFUNDING, OS.REFUNDED) or locked.amount == 0:
            raise ValidationError("只能为已支付且金额大于零的订单开具发票。")
        if not locked.invoice_editable:
            raise ValidationError("该订单的发票已开具。")
        locked.invoice_status = Order.InvoiceStatus.ISSUED
        locked.invoice_number = (invoice_number or "").strip()
        locked.invoice_issued_at = timezone.now()
        locked.save(update_fields=["invoice_status", "invoice_number", "invoice_issued_at"])
        audit(subject=locked, action="payments.order.invoice_issued", actor=actor, reason=locked.invoice_number)
        notify_user(user=locked.applicant, template="order_invoice_issued", context={"order": locked})
    order.refresh_from_db()
    return order


# --- paying ------------------------------------------------------------------------------------------------

def payment_start(*, order: Order, provider_code: str, actor, request=None) -> tuple[Payment, str]:
    """Create a payment attempt for the amount due and return it with the URL to send the browser to."""
    provider = get_provider(provider_code)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        refusal = payment_refusal(locked)
        if refusal:
            raise ValidationError(refusal)
        payment = Payment.objects.create(order=locked, provider=provider.code, amount=locked.amount, currency=CNY)
        url = provider.create_payment(payment=payment, request=request)
    return payment, url


def _mark_application_paid(*, order: Order, actor, now: dt.datetime | None = None,
                           already_locked: bool = False) -> None:
    application_mark_paid(application=order.application, actor=actor, now=now, already_locked=already_locked)


def _confirm(*, order: Order, payment: Payment, txn_id: str, raw: dict, actor, via: str,
             other_open_attempts: bool = True) -> None:
    """Book the payment and complete the order. The caller holds the locks on the application and the order
    (taken by `_lock_application_then_order`), and `order` and `order.application` were read under them.
    `other_open_attempts=False`: the caller read the order's attempts under the lock and no other is open, so
    there is none to cancel (attempts are created only under the order lock)."""
    payment.state = Payment.State.CONFIRMED
    payment.provider_txn_id = txn_id
    payment.confirmed_at = timezone.now()
    payment.raw_notification = raw
    if actor is not None and getattr(actor, "is_authenticated", False):
        payment.confirmed_by = actor
    payment.save()
    if other_open_attempts:
        order.payments.filter(state=Payment.State.CREATED).exclude(pk=payment.pk).update(
            state=Payment.State.CANCELLED)
    # Two changes, one audit INSERT.
    with audits_batched():
        order_transition(order=order, to=OS.PAID, actor=actor, action="payments.order.paid",
                         reason=f"{via}，交易号 {txn_id}", apply=lambda o: setattr(o, "paid_at", payment.confirmed_at),
                         template="order_paid", context={"payment": payment}, already_locked=True)
        _mark_application_paid(order=order, actor=actor, already_locked=True)


LATE_PAYMENT_REFUND_REASON = "订单已取消后到账的支付，全额原路退回"


def _book_and_refund(*, order: Order, payment: Payment, provider, txn_id: str, raw: dict, via: str) -> Refund:
    """Money the gateway took for an order that no longer takes it (the applicant withdrew while on the payment
    page): book the payment, so the ledger shows the money came in, and refund it at once through the provider,
    as pretix does for payments on cancelled orders. The order keeps its state. Caller holds the order lock."""
    now = timezone.now()
    payment.state = Payment.State.REFUNDED  # never "confirmed": the order is not paid by it
    payment.provider_txn_id = txn_id
    payment.confirmed_at = now
    payment.raw_notification = raw
    payment.save()
    refund = Refund.objects.create(order=order, payment=payment, amount=payment.amount,
                                   reason=LATE_PAYMENT_REFUND_REASON)
    result = provider.refund(refund=refund)
    refund.provider_refund_id = result.provider_refund_id
    if result.completed:
        refund.state = Refund.State.DONE
        refund.completed_at = timezone.now()
    refund.save(update_fields=["provider_refund_id", "state", "completed_at"])
    audit(subject=order, action=LATE_PAYMENT_REFUNDED, to_state=order.status,
          reason=f"{via}，交易号 {txn_id}，¥{payment.amount} 已{'原路退回' if result.completed else '登记待退'}")
    notify_user(user=order.applicant, template="order_late_payment_refunded",
                context={"order": order, "payment": payment, "refund": refund})
    return refund


def _log(*, provider_code: str, source: str, parsed: ParsedNotification | None, params: dict, outcome: str,
         reason: str = "", order_number: str = "", txn_id: str = "") -> NotificationLog:
    return NotificationLog.objects.create(
        provider=provider_code, source=source, outcome=outcome, reason=reason[:200],
        order_number=(parsed.order_number if parsed else order_number)[:64],
        provider_txn_id=(parsed.txn_id if parsed else txn_id)[:64],
        payload={k: str(v) for k, v in dict(params).items()},
    )


def payment_notification_receive(*, provider_code: str, params: dict, source: str = "notify") -> NotificationLog:
    """Handle a provider's notification (or the browser's signed return) exactly once.

    Whatever is replayed, in whatever order, concurrently: the order row is locked, the provider's
    transaction id is unique, and the order transition refuses a second PAID. A refusal changes nothing
    and is logged with its reason.
    """
    params = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in dict(params).items()}
    try:
        provider = get_provider(provider_code)
    except LookupError as exc:
        return _log(provider_code=provider_code[:20], source=source, parsed=None, params=params,
                    outcome=NotificationLog.Outcome.REFUSED, reason=str(exc))
    try:
        parsed = (provider.verify_return if source == "return" else provider.verify_notification)(params)
    except NotificationRefused as exc:
        logger.warning("payment notification refused: %s", exc.reason)
        return _log(provider_code=provider.code, source=source, parsed=None, params=params,
                    outcome=NotificationLog.Outcome.REFUSED, reason=exc.reason, order_number=exc.order_number,
                    txn_id=exc.txn_id)
    try:
        # The e-mails are rendered and queued after the transaction, once the locks are released (and only if
        # it committed); a deadlock victim is run again from the start (certification.db).
        with notifications_after_locks() as mail:
            def settle():
                mail.clear()
                return _settle(provider=provider, parsed=parsed, source=source)

            outcome, reason = run_atomic_with_retry(settle, label="payment notification")
    except NotificationRefused as exc:
        logger.warning("payment notification refused: %s", exc.reason)
        outcome, reason = NotificationLog.Outcome.REFUSED, exc.reason
    return _log(provider_code=provider.code, source=source, parsed=parsed, params=params, outcome=outcome,
                reason=reason)


def _same_reference(reference: uuid.UUID, given: str) -> bool:
    try:
        return reference == uuid.UUID(str(given))
    except ValueError:
        return False


def _settle(*, provider, parsed: ParsedNotification, source: str) -> tuple[str, str]:
    order, _application = _lock_application_then_order(order_filter={"number": parsed.order_number})
    if order is None:
        raise NotificationRefused("订单不存在")
    # One read for every ledger row this notification can touch: the payment already booked under this transaction
    # id (a replay), and the order's attempts (stable now: they are created and changed only under the order lock).
    rows = list(Payment.objects.filter(Q(provider=provider.code, provider_txn_id=parsed.txn_id) | Q(order=order)))
    already = next((p for p in rows if p.provider == provider.code and p.provider_txn_id == parsed.txn_id), None)
    if already is not None:
        if already.order_id != order.pk:
            raise NotificationRefused("交易号已用于其他订单")
        return NotificationLog.Outcome.DUPLICATE, "该交易已确认，忽略重复通知"
    if not parsed.paid:
        raise NotificationRefused("交易未成功")
    if parsed.currency != CNY:
        raise NotificationRefused(f"币种不符：{parsed.currency}")
    payment = None
    if parsed.payment_reference:
        payment = next((p for p in rows if p.order_id == order.pk and p.provider == provider.code
                        and _same_reference(p.reference, parsed.payment_reference)), None)
        if payment is None:
            raise NotificationRefused("支付流水不属于该订单")
    via = "异步通知" if source == "notify" else "支付返回"
    if order.status == OS.CANCELLED:
        # The applicant withdrew while paying: the gateway has the money. Take it into the books and give it back.
        # (A withdrawal cancels the open attempts, so the attempt is "cancelled" here, not "created".)
        expected = payment.amount if payment is not None else order.amount
        if parsed.amount != expected or (payment is not None and payment.state not in (
                Payment.State.CREATED, Payment.State.CANCELLED)):
            raise NotificationRefused(f"订单已取消，且支付流水或金额不符：通知 {parsed.amount}，应为 {expected}")
        payment = payment or Payment(order=order, provider=provider.code, amount=parsed.amount, currency=CNY)
        refund = _book_and_refund(order=order, payment=payment, provider=provider, txn_id=parsed.txn_id,
                                  raw=parsed.raw, via=via)
        done = "已原路退回" if refund.state == Refund.State.DONE else "已登记退款"
        return NotificationLog.Outcome.REFUNDED, f"订单已取消，支付已入账并{done}"
    if parsed.amount != order.amount:
        raise NotificationRefused(f"金额不符：通知 {parsed.amount}，应付 {order.amount}")
    if order.status != OS.PENDING:
        raise NotificationRefused(f"订单状态为“{order.get_status_display()}”，不能确认支付")
    if payment is not None and (payment.state != Payment.State.CREATED or payment.amount != parsed.amount):
        raise NotificationRefused("支付流水已作废")
    if payment is None:
        payment = Payment(order=order, provider=provider.code, amount=parsed.amount, currency=CNY)
    others = any(p.order_id == order.pk and p.state == Payment.State.CREATED and p.pk != payment.pk for p in rows)
    _confirm(order=order, payment=payment, txn_id=parsed.txn_id, raw=parsed.raw, actor=None, via=via,
             other_open_attempts=others)
    return NotificationLog.Outcome.ACCEPTED, ""


def bank_transfer_confirm(*, order: Order, actor, reference: str) -> Payment:
    """Staff saw the transfer on the bank statement; `reference` is the bank's transaction reference."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError("请填写银行交易流水号。")
    provider = get_provider("bank_transfer")
    with transaction.atomic():
        locked, _application = _lock_application_then_order(order_filter={"pk": order.pk})
        if Payment.objects.filter(provider=provider.code, provider_txn_id=reference).exists():
            raise ValidationError("该银行流水号已登记过。")
        if not transfer_confirmable(locked):
            raise ValidationError(f"订单状态为“{locked.get_status_display()}”，不能确认收款。")
        payment = locked.payments.filter(provider=provider.code, state=Payment.State.CREATED,
                                         amount=locked.amount).first()
        payment = payment or Payment(order=locked, provider=provider.code, amount=locked.amount, currency=CNY)
        _confirm(order=locked, payment=payment, txn_id=reference, raw={"bank_reference": reference}, actor=actor,
                 via="银行转账人工确认")
    order.refresh_from_db()
    return payment


# --- refunds and withdrawal --------------------------------------------------------------------------------

def _refund_in_full(*, order: Order, actor, reason: str) -> Refund:
    """The caller holds the lock on the paid order."""
    payment = order.payments.get(state=Payment.State.CONFIRMED)
    refund = Refund.objects.create(order=order, payment=payment, amount=payment.amount, reason=reason[:200],
                                   actor=actor if getattr(actor, "is_authenticated", False) else None)
    result = get_provider(payment.provider).refund(refund=refund)
    refund.provider_refund_id = result.provider_refund_id
    if result.completed:
        refund.state = Refund.State.DONE
        refund.completed_at = timezone.now()
    refund.full_clean()
    refund.save()
    payment.state = Payment.State.REFUNDED
    payment.save(update_fields=["state"])
    now = timezone.now()
    if result.completed:
        order_transition(order=order, to=OS.REFUNDED, actor=actor, action="payments.order.refunded", reason=reason,
                         apply=lambda o: setattr(o, "closed_at", now), template="order_refunded",
                         context={"refund": refund})
    else:
        order_transition(order=order, to=OS.REFUNDING, actor=actor, action="payments.order.refund_registered",
                         reason=reason, template="order_refunding", context={"refund": refund})
    return refund


def order_settle_withdrawal(*, application, actor, reason: str = "", now: dt.datetime | None = None) -> Order | None:
    """Run by `payments.receivers` inside `applicants.services.application_withdraw`'s transaction.

    Until the application deadline (inclusive, Asia/Shanghai): a paid order is refunded in full, an unpaid one
    cancelled. After it withdrawal is refused: no cancellation and no refund (only an administrator may refund).
    """
    order = Order.objects.select_for_update().select_related("campaign").filter(application=application).first()
    deadline = application.campaign.application_closes_at
    now = now or timezone.now()
    if now > deadline:
        raise ValidationError(
            f"报名已于{timezone.localtime(deadline):%Y年%m月%d日 %H:%M}截止，截止后不能取消报名，"
            "已缴认证评审费不予退还。")
    if order is None:
        return None
    reason = reason or "申请人取消报名"
    if order.status == OS.PENDING:
        order.payments.filter(state=Payment.State.CREATED).update(state=Payment.State.CANCELLED)
        return order_transition(order=order, to=OS.CANCELLED, actor=actor, action="payments.order.cancelled",
                                reason=reason, apply=lambda o: setattr(o, "closed_at", now), template="order_cancelled")
    if order.status == OS.PAID and order.amount == 0:
        return order_transition(order=order, to=OS.CANCELLED, actor=actor, action="payments.order.cancelled_fee_free",
                                reason=reason, apply=lambda o: setattr(o, "closed_at", now))
    if order.status == OS.PAID:
        _refund_in_full(order=order, actor=actor, reason=reason)
        order.refresh_from_db()
    return order


def refund_by_administrator(*, order: Order, actor, reason: str) -> Refund:
    """The only refund after the deadline: an administrator's, with a reason."""
    if not is_administrator(actor):
        raise PermissionDenied("只有管理员可以在报名截止后退款。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("管理员退款必须填写原因。")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not administrator_refundable(locked):
            raise ValidationError(f"订单状态为“{locked.get_status_display()}”，没有可退的款项。")
        refund = _refund_in_full(order=locked, actor=actor, reason=f"管理员退款：{reason}")
    order.refresh_from_db()
    return refund


def refund_complete_manually(*, refund: Refund, actor, reference: str) -> Refund:
    """Staff carried out a bank-transfer refund by hand."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError("请填写退款银行流水号。")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if not refund_completable(locked):
            raise ValidationError("该退款已办理完成。")
        locked.state = Refund.State.DONE
        locked.provider_refund_id = reference
        locked.completed_at = timezone.now()
        locked.completed_by = actor
        locked.full_clean()
        locked.save()
        if order.status == OS.REFUNDING:
            order_transition(order=order, to=OS.REFUNDED, actor=actor, action="payments.order.refund_completed",
                             reason=reference, apply=lambda o: setattr(o, "closed_at", locked.completed_at),
                             template="order_refunded", context={"refund": locked})
        else:  # a payment that arrived after the order was closed: the order keeps its state
            audit(subject=order, action="payments.order.refund_completed", actor=actor, reason=reference)
    refund.refresh_from_db()
    return refund


# --- reminders ---------------------------------------------------------------------------------------------

def orders_remind_unpaid(*, now: dt.datetime | None = None) -> int:
    """E-mail each unpaid submitted application once, PAYMENT_REMINDER_DAYS before the deadline."""
    now = now or timezone.now()
    days = getattr(settings, "PAYMENT_REMINDER_DAYS", 3)
    today = timezone.localtime(now).date()
    due = Order.objects.filter(
        status=OS.PENDING, reminder_sent_at__isnull=True, application__status=Application.Status.SUBMITTED,
        campaign__application_end__gte=today, campaign__application_end__lte=today + dt.timedelta(days=days),
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            order = Order.objects.select_for_update().select_related("applicant", "campaign").get(pk=pk)
            if order.reminder_sent_at or order.status != OS.PENDING:
                continue
            order.reminder_sent_at = now
            order.save(update_fields=["reminder_sent_at"])
            notify_user(user=order.applicant, template="order_payment_reminder", context={"order": order})
            sent += 1
    return sent
