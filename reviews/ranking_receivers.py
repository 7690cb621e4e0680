"""reviews' answers to applicants' signals (connected from ReviewsConfig.ready())."""

from django.dispatch import receiver
from django.template.loader import render_to_string

from applicants.models import Application
from applicants.signals import application_page_sections

from .defense_models import DefenseBooking
from .ranking_selectors import published_results_for

S = Application.Status
# Statuses before the scored stages (and the ones that end before them: ineligible, withdrawn). The state
# machine (`applicants.services.APPLICATION_TRANSITIONS`) never leads back from a scored stage to these, a
# ranking pool is drawn from portfolio_review/exam/shortlisted/not_shortlisted and a defense slot is booked only
# for shortlisted: an application in one of these has neither a result line nor a booking.
NOT_YET_SCORED = {S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN}


@receiver(application_page_sections, sender=Application, dispatch_uid="reviews-my-results")
def my_results_sections(sender, applications, request, **kwargs):
    """On 我的认证: the announced defense slot and, once published, the scores, total, rank and decision.
    Two queries for the whole page, none while no application has reached the scored stages (most of the year);
    nothing for an application without either."""
    applications = [a for a in applications if a.status not in NOT_YET_SCORED]
    if not applications:
        return {}
    results = published_results_for(applications)
    bookings = {b.application_id: b for b in DefenseBooking.objects.filter(
        application__in=applications, notified_at__isnull=False).select_related("slot__panel")}
    out = {}
    for application in applications:
        result, booking = results.get(application.pk), bookings.get(application.pk)
        if result or booking:
            out[application.pk] = render_to_string("reviews/ranking/_my_result.html", {
                "application": application, "result": result, "booking": booking}, request=request)
    return out
