"""Payments' answers to what the applicants app announces (`applicants.signals`). Connected from
`PaymentsConfig.ready()`. Each runs inside the applicants service's transaction: raising ValidationError
rolls the submission or withdrawal back.
"""

from django.dispatch import receiver

from applicants.signals import application_submitted, application_withdrawn

from .services import order_open_for_application, order_settle_withdrawal


@receiver(application_submitted, dispatch_uid="payments.open_order_on_submission")
def open_order_on_submission(sender, *, application, actor, now=None, **kwargs):
    order_open_for_application(application=application, actor=actor, now=now)


@receiver(application_withdrawn, dispatch_uid="payments.settle_order_on_withdrawal")
def settle_order_on_withdrawal(sender, *, application, actor, reason="", now=None, **kwargs):
    order_settle_withdrawal(application=application, actor=actor, reason=reason, now=now)
