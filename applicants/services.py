"""Writes for applications. Every state change goes through `application_transition`.

The payments app calls `application_mark_paid` and `application_withdraw`; nothing else here is its business.
"""

from django.utils import timezone

from certification.notifications import notify_user
from certification.workflow import transition

from .models import Application

S = Application.Status
APPLICATION_TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.UNDER_REVIEW, S.WITHDRAWN},
    S.UNDER_REVIEW: {S.RETURNED, S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN},
    S.RETURNED: {S.UNDER_REVIEW, S.INELIGIBLE, S.WITHDRAWN},
    S.ELIGIBLE: set(),
    S.INELIGIBLE: set(),
    S.WITHDRAWN: set(),
}


def application_transition(*, application: Application, to: str, actor, action: str, reason: str = "",
                           apply=None, template: str | None = "application_status_changed") -> Application:
    def notify(app):
        if template:
            notify_user(user=app.applicant, template=template, context={"application": app, "reason": reason})

    return transition(instance=application, to=to, actor=actor, allowed=APPLICATION_TRANSITIONS,
                      action=action, reason=reason, apply=apply, notify=notify)


def application_mark_paid(*, application: Application, actor=None) -> Application:
    """Called once the fee is settled (or waived): the application is complete and enters review."""

    def apply(app):
        app.paid_at = timezone.now()

    return application_transition(application=application, to=S.UNDER_REVIEW, actor=actor,
                                  action="缴费完成，进入资格审查", apply=apply)


def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    return application_transition(application=application, to=S.WITHDRAWN, actor=actor, action="取消报名",
                                  reason=reason)
