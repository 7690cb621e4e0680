"""Reads for review. Work queues are queries over applications in a state (ARCHITECTURE.md)."""

from django.db.models import QuerySet

from applicants.models import Application
from certification.models import Campaign


def eligibility_queue(*, user, campaign: Campaign | None = None) -> QuerySet[Application]:
    """Applications of the campaigns run by the user's own authority (drafts are the applicant's business)."""
    qs = (Application.objects.filter(campaign__authority_id=user.authority_id)
          .exclude(status=Application.Status.DRAFT)
          .select_related("campaign", "applicant", "applicant__applicant_profile")
          .order_by("campaign__slug", "number"))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs
