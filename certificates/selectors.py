"""Reads of the publication stage."""

from django.db.models import Count, Q

from applicants.models import Application
from certification.models import Campaign
from reviews.ranking_selectors import campaign_results_published

from .models import Certificate, Complaint, NoticeEntry, PublicNotice


def campaign_ready_for_notice(campaign: Campaign) -> bool:
    """The campaign's certified list can be posted.

    Regular applications are certified by the ranking, so their list is final once the results are published
    (`reviews.ranking_selectors.campaign_results_published`). Exceptional-track ones reach `certified` straight
    from the eligibility decision; a campaign whose certified list holds only those may post it once no regular
    application is still being scored (there is one notice per campaign, so it waits for the ranking otherwise).
    """
    S = Application.Status
    certified = Application.objects.filter(campaign=campaign, status=S.CERTIFIED)
    if not certified.exists():
        return False
    if campaign_results_published(campaign):
        return True
    regular = Application.objects.filter(campaign=campaign, track=Application.Track.REGULAR)
    return not regular.filter(status__in=[S.UNDER_REVIEW, S.RETURNED, S.ELIGIBLE, S.PORTFOLIO_REVIEW, S.EXAM,
                                          S.SHORTLISTED, S.CERTIFIED]).exists()


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
