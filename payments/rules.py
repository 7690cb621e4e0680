"""Permissions of the payments app: role predicates combined with state predicates that call the same check the
service makes (`services.payment_refusal`, `member_rate_open`, `invoice_issuable`, ...). Found by
`rules.apps.AutodiscoverRulesConfig`; names avoid Django's model-permission form (`view_order` is the admin's).
"""

import rules

from certification.predicates import is_administrator, is_applicant, is_secretariat

from . import services


@rules.predicate
def is_order_owner(user, order):
    return order is not None and is_applicant(user) and order.applicant_id == user.pk


@rules.predicate
def order_payable(user, order):
    return order is not None and services.payment_refusal(order) is None


@rules.predicate
def member_rate_open(user, order):
    return order is not None and services.member_rate_open(order)


@rules.predicate
def invoice_editable(user, order):
    return order is not None and order.invoice_editable


@rules.predicate
def receipt_available(user, order):
    return order is not None and services.receipt_available(order)


@rules.predicate
def transfer_confirmable(user, order):
    return order is not None and services.transfer_confirmable(order)


@rules.predicate
def invoice_issuable(user, order):
    return order is not None and services.invoice_issuable(order)


@rules.predicate
def administrator_refundable(user, order):
    return order is not None and services.administrator_refundable(order)


@rules.predicate
def refund_completable(user, refund):
    return refund is not None and services.refund_completable(refund)


is_staff_member = is_administrator | is_secretariat

rules.add_perm("payments.access_order", is_order_owner)
rules.add_perm("payments.pay_order", is_order_owner & order_payable)
rules.add_perm("payments.recheck_member_rate", is_order_owner & member_rate_open)
rules.add_perm("payments.edit_invoice", is_order_owner & invoice_editable)
rules.add_perm("payments.download_receipt", is_order_owner & receipt_available)
rules.add_perm("payments.manage_orders", is_staff_member)
rules.add_perm("payments.confirm_bank_transfer", is_staff_member & transfer_confirmable)
rules.add_perm("payments.mark_invoice_issued", is_staff_member & invoice_issuable)
rules.add_perm("payments.complete_refund", is_staff_member & refund_completable)
rules.add_perm("payments.refund_as_administrator", is_administrator & administrator_refundable)
