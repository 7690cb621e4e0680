from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from certification.models import AuditEntry, Campaign

from .models import ApplicantProfile, Application, DossierEntry


def profile_for(*, user) -> ApplicantProfile | None:
    return (ApplicantProfile.objects.select_related("province")
            .prefetch_related("prior_certifications", "trainings", "honours").filter(user=user).first())


def has_profile(*, user) -> bool:
    return ApplicantProfile.objects.filter(user=user).exists()


def applications_of(*, user) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("campaign", "campaign__authority")


def application_of(*, user, pk) -> Application:
    """The applicant's own application; anyone else's is a 404 so its existence does not leak."""
    application = (Application.objects.select_related("campaign", "campaign__authority", "campaign__province",
                                                      "applicant")
                   .prefetch_related(Prefetch("entries", queryset=DossierEntry.objects.order_by("item_code",
                                                                                                 "occurred_on", "pk")))
                   .filter(pk=pk, applicant=user).first())
    if application is None:
        raise Http404
    return application


def entry_of(*, user, application_pk, entry_pk) -> DossierEntry:
    entry = DossierEntry.objects.select_related("application", "application__campaign").filter(
        pk=entry_pk, application_id=application_pk, application__applicant=user).first()
    if entry is None:
        raise Http404
    return entry


def open_campaigns(*, now=None) -> list[Campaign]:
    return [c for c in Campaign.objects.filter(status=Campaign.Status.PUBLISHED).select_related("authority")
            if c.phase(now) == Campaign.Phase.OPEN]


def timelines_for(*, applications) -> dict[int, list[AuditEntry]]:
    """Application pk -> its audit trail, in one query for a whole page (`audit_trail` does one object)."""
    if not applications:
        return {}
    ct = ContentType.objects.get_for_model(Application)
    out: dict[int, list[AuditEntry]] = {}
    for entry in AuditEntry.objects.filter(content_type=ct, object_id__in=[str(a.pk) for a in applications]) \
            .select_related("actor").order_by("at", "pk"):
        out.setdefault(int(entry.object_id), []).append(entry)
    return out
