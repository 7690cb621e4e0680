"""Reads of the publication stage."""

from django.db.models import Count, Q

from applicants.models import Application
from certification.models import Campaign

from .models import Certificate, Complaint, NoticeEntry, PublicNotice


def campaign_ready_for_notice(campaign: Campaign) -> bool:
    """The campaign's certified list can be posted: it has certified applications.

    (Exceptional-track applications are certified straight from the eligibility decision; regular ones once
    the ranking is published. When the review stage exposes a "results published" flag, this asks it too.)
    """
    return Application.objects.filter(campaign=campaign, status=Application.Status.CERTIFIED).exists()


def public_notices():
    """Notices the public may read: open ones first, then those that have ended."""
    return (PublicNotice.objects.filter(status__in=[PublicNotice.Status.OPEN, PublicNotice.Status.CLOSED])
            .select_related("campaign", "campaign__authority").order_by("status", "-starts_on"))


def notice_public_entries(notice: PublicNotice):
    """The listed people whose certification still stands (an upheld complaint removes the person)."""
    return (NoticeEntry.objects.filter(notice=notice, application__status__in=[Application.Status.CERTIFIED])
            .order_by("pk"))


def complaints_for_committee():
    return (Complaint.objects.select_related("notice__campaign", "entry")
            .annotate(n_attachments=Count("attachments")).order_by("created_at", "pk"))


def applications_awaiting_certificate(campaign: Campaign):
    return (Application.objects.filter(campaign=campaign, status=Application.Status.CERTIFIED)
            .filter(Q(certificate__isnull=True) | Q(certificate__pdf="") | Q(certificate__credential=""))
            .order_by("number", "pk"))


def revoked_status_indexes() -> list[int]:
    return list(Certificate.objects.filter(status=Certificate.Status.REVOKED).values_list("pk", flat=True))


def _normalise_name(name: str) -> str:
    return "".join((name or "").split())


def certificate_lookup(*, number: str, name: str) -> Certificate | None:
    """A certificate only when both number and holder name match; a wrong name looks like no certificate."""
    number = (number or "").strip().upper()
    if not number or not name:
        return None
    cert = Certificate.objects.select_related("campaign").filter(number=number).first()
    if cert is None or _normalise_name(cert.holder_name) != _normalise_name(name):
        return None
    return cert


def certificates_of(user):
    return Certificate.objects.filter(holder=user).select_related("campaign").order_by("-issued_on", "-pk")
