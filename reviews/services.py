"""Writes for review. Applications move only through `applicants.services.application_transition`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from applicants.models import Application
from applicants.services import application_transition

S = Application.Status


# --- eligibility review: the one amendment ----------------------------------------------------------

def eligibility_return_open(application: Application) -> bool:
    """Whether the secretariat may still return the dossier: under review and the one chance unused."""
    return application.status == S.UNDER_REVIEW and not application.amendment_used


def eligibility_return(*, application: Application, actor, reason: str, deadline: dt.datetime) -> Application:
    """The secretariat returns the dossier once, with reasons and a deadline [000 第五条 1]."""
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回修改的原因。"})
    if application.amendment_used:
        raise ValidationError("每位申报者仅有一次修改申报材料的机会，已使用过。", code="amendment_used")
    if deadline <= timezone.now():
        raise ValidationError({"deadline": "修改截止时间必须晚于现在。"})

    def apply(app):
        app.amendment_deadline = deadline
        app.return_reason = reason.strip()

    return application_transition(application=application, to=S.RETURNED, actor=actor,
                                  action="reviews.eligibility.returned", reason=reason.strip(), apply=apply,
                                  template="application_returned")


def eligibility_expire_overdue_amendments(*, now: dt.datetime | None = None) -> int:
    """Returned dossiers not resubmitted by their deadline fail eligibility review. Idempotent."""
    now = now or timezone.now()
    count = 0
    overdue = Application.objects.filter(status=S.RETURNED, amendment_deadline__lt=now).values_list("pk", flat=True)
    for pk in list(overdue):
        application = Application.objects.get(pk=pk)
        try:
            application_transition(application=application, to=S.INELIGIBLE, actor=None,
                                   action="reviews.eligibility.expired",
                                   reason="修改期限已过，逾期未修正视为资格审查不合格。")
        except ValidationError:
            continue  # resubmitted meanwhile
        count += 1
    return count
