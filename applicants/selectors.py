import functools

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone

from certification.compiled import CompiledQuery
from certification.models import AuditEntry, Campaign

from .models import ApplicantProfile, Application, DossierEntry


def profile_for(*, user) -> ApplicantProfile | None:
    return (ApplicantProfile.objects.select_related("province")
            .prefetch_related("prior_certifications", "trainings", "honours").filter(user=user).first())


def has_profile(*, user) -> bool:
    return ApplicantProfile.objects.filter(user=user).exists()


# What 我的认证 and its sections (`signals.application_page_sections`: the reviews results) read of an application
# and its campaign. Not the wide columns a list never shows: the submission snapshots (JSON), the narrative, the
# campaign's rule set and other JSON documents (`only`, not `defer`: Django computes a deferral of many fields
# on every query, which cost more than the columns).
MY_APPLICATION_FIELDS = (
    "applicant_id", "campaign_id", "level", "year", "track", "number", "status", "submitted_at", "paid_at",
    "amendment_deadline", "amendment_used", "return_reason", "created_at",
    "campaign__slug", "campaign__title", "campaign__level", "campaign__year", "campaign__status",
    "campaign__application_start", "campaign__application_end", "campaign__exam_date", "campaign__exam_note",
    "campaign__has_exam", "campaign__has_defense", "campaign__defense_start", "campaign__defense_end",
    "campaign__defense_note", "campaign__weight_portfolio", "campaign__weight_exam", "campaign__weight_defense",
)


def _fields_in_model_order(model, names) -> tuple[str, ...]:
    """`names` (attnames) in the model's column order, as `Model.from_db` takes a partial row."""
    wanted = set(names)
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


_MY_APPLICATION_COLUMNS = _fields_in_model_order(
    Application, {"id", *(name for name in MY_APPLICATION_FIELDS if "__" not in name)})
_MY_CAMPAIGN_COLUMNS = _fields_in_model_order(
    Campaign, {"id", *(name.split("__", 1)[1] for name in MY_APPLICATION_FIELDS if name.startswith("campaign__"))})


def _my_applications(*, applicant_id):
    return (Application.objects.filter(applicant_id=applicant_id)
            .annotate(applicant_has_profile=Exists(ApplicantProfile.objects.filter(user_id=OuterRef("applicant_id"))))
            .values_list(*_MY_APPLICATION_COLUMNS, *(f"campaign__{name}" for name in _MY_CAMPAIGN_COLUMNS),
                         "applicant_has_profile"))


_MY_APPLICATIONS = CompiledQuery(lambda applicant_id: _my_applications(applicant_id=applicant_id), "applicant_id")


def applications_of(*, user) -> list[Application]:
    """The applicant's applications for 我的认证 (newest first), each with its campaign, only MY_APPLICATION_FIELDS
    read (the rest deferred, as `only()` leaves them). Each also says whether the applicant has filled in a
    profile (`applicant_has_profile`), which the page needs too: one query instead of two. The statement is
    compiled once per process (`CompiledQuery`): building it through the ORM cost more than running it."""
    split = len(_MY_APPLICATION_COLUMNS)
    applications = []
    for row in _MY_APPLICATIONS.rows(applicant_id=user.pk):
        application = Application.from_db("default", _MY_APPLICATION_COLUMNS, row[:split])
        application.campaign = Campaign.from_db("default", _MY_CAMPAIGN_COLUMNS, row[split:-1])
        application.applicant_has_profile = row[-1]
        applications.append(application)
    return applications


def has_profile_given(*, user, applications) -> bool:
    """`has_profile`, read from `applications_of`'s rows when there are any (no query)."""
    if applications:
        return applications[0].applicant_has_profile
    return has_profile(user=user)


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


# The open campaigns are the same for every applicant: kept in the cache per Beijing date, dropped whenever a
# campaign is saved through the ORM (`open_campaigns_forget`, on Campaign's post_save) and at most
# OPEN_CAMPAIGNS_MAX_AGE seconds old after anything else (a bulk update, a manual SQL fix). Only which campaigns
# are listed can lag, never whether one is open: `Campaign.phase(now)` decides on every request.
OPEN_CAMPAIGNS_MAX_AGE = 60
_OPEN_CAMPAIGN_FIELDS = ("id", "slug", "title", "year", "status", "application_start", "application_end")


def _open_campaigns_key(today) -> str:
    return f"applicants:open-campaigns:{today:%Y%m%d}"


def open_campaigns_forget(**kwargs) -> None:
    """Connected to Campaign's post_save: the next 我的认证 reads the open campaigns afresh."""
    cache.delete(_open_campaigns_key(timezone.localdate()))


def open_campaigns(*, now=None) -> list[Campaign]:
    """Published campaigns taking applications at `now`, with what 我的认证 lists and `start_refusal` reads.

    The window is filtered in SQL on the local date (a campaign is open from the first instant of its start
    date to the last of its end date, Asia/Shanghai); `Campaign.phase` still decides, so the page never offers a
    campaign the service would refuse as closed.

    Read as values and built with `Model.from_db` (the other fields deferred, as `only()` would leave them):
    `only()` costs more to compile than this whole query takes to run."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    key = _open_campaigns_key(today)
    rows = cache.get(key)
    if rows is None:
        rows = list(Campaign.objects.filter(status=Campaign.Status.PUBLISHED, application_start__lte=today,
                                            application_end__gte=today).values_list(*_OPEN_CAMPAIGN_FIELDS))
        cache.set(key, rows, OPEN_CAMPAIGNS_MAX_AGE)
    campaigns = [Campaign.from_db("default", _OPEN_CAMPAIGN_FIELDS, row) for row in rows]
    return [c for c in campaigns if c.phase(now) == Campaign.Phase.OPEN]


_TIMELINE_COLUMNS = _fields_in_model_order(AuditEntry, {"id", "object_id", "action", "reason", "at"})


@functools.lru_cache(maxsize=32)
def _timelines_query(count: int) -> CompiledQuery:
    """The audit lines of `count` applications, compiled once per count (an applicant has a few at most)."""
    slots = tuple(f"application_{i}" for i in range(count))

    def build(content_type, **ids):
        # Only what a timeline line shows (time, action, reason): not the actor nor the hash chain.
        return (AuditEntry.objects.filter(content_type_id=content_type, object_id__in=[str(v) for v in ids.values()])
                .order_by("at", "pk").values_list(*_TIMELINE_COLUMNS))

    return CompiledQuery(build, "content_type", *slots)


def timelines_for(*, applications) -> dict[int, list[AuditEntry]]:
    """Application pk -> its audit trail, in one query for a whole page (`audit_trail` does one object)."""
    if not applications:
        return {}
    content_type = ContentType.objects.get_for_model(Application).pk
    out: dict[int, list[AuditEntry]] = {}
    query = _timelines_query(len(applications))
    ids = {f"application_{i}": a.pk for i, a in enumerate(applications)}
    for row in query.rows(content_type=content_type, **ids):
        entry = AuditEntry.from_db("default", _TIMELINE_COLUMNS, row)
        out.setdefault(int(entry.object_id), []).append(entry)
    return out


