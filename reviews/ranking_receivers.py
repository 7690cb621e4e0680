"""reviews' answers to applicants' signals (connected from ReviewsConfig.ready())."""

from django.dispatch import receiver
from django.template.loader import render_to_string

from applicants.models import Application
from applicants.signals import application_page_sections

from .defense_models import DefenseBooking
from .ranking_selectors import published_results_for


@receiver(application_page_sections, sender=Application, dispatch_uid="reviews-my-results")
def my_results_sections(sender, applications, request, **kwargs):
    """On 我的认证: the announced defense slot and, once published, the scores, total, rank and decision.
    Two queries for the whole page; nothing for an application without either."""
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
