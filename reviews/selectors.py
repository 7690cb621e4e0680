"""Reads for review. Work queues are queries over applications in a state (ARCHITECTURE.md)."""

from django.db.models import QuerySet

from applicants.models import Application
from certification.models import Campaign

# The columns the eligibility list shows (and its permission checks read); nothing else: no rule sets, no
# profile snapshots.
ELIGIBILITY_LIST_COLUMNS = ("pk", "number", "status", "amendment_used", "submitted_at", "campaign_id", "applicant_id",
                            "campaign__title", "campaign__authority_id", "applicant__full_name", "applicant__email",
                            "applicant__applicant_profile__full_name", "applicant__applicant_profile__id_number")


def eligibility_queue(*, user, campaign: Campaign | None = None) -> QuerySet[Application]:
    """Applications of the campaigns run by the user's own authority (drafts are the applicant's business).

    Filtered by campaign id (a subquery on the small campaign table) and sorted on `(campaign, number)`, the
    `application_campaign_number` index, so a page reads only its own rows instead of sorting all of them.
    """
    campaigns = Campaign.objects.filter(authority_id=user.authority_id).values("pk")
    qs = (Application.objects.filter(campaign_id__in=campaigns)
          .exclude(status=Application.Status.DRAFT)
          .select_related("campaign", "applicant", "applicant__applicant_profile")
          .only(*ELIGIBILITY_LIST_COLUMNS)
          .order_by("campaign_id", "number"))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs
