import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from .enums import Level
from .models import AuditEntry, BarredUnit, Campaign, Notification, normalize_unit_name
from .predicates import is_administrator, is_national_secretariat


@dataclass(frozen=True)
class CatalogueEntry:
    """What one catalogue card shows (plain values: the card is memoised on them, see `campaign_tags`)."""

    slug: str
    title: str
    level: str
    is_demo: bool
    authority: str
    province: str | None  # None: a national campaign
    application_start: dt.date
    application_end: dt.date
    fee: Decimal
    phase: Campaign.Phase

    @property
    def level_label(self) -> str:
        return Level(self.level).label


def campaign_catalogue(*, province_code: str | None = None, level: str | None = None,
                       now=None) -> list[CatalogueEntry]:
    """Published campaigns for the public catalogue (全部认证), each with its phase at `now` (one clock reading
    for the whole page). Only the columns a card shows, as values: a campaign row also carries JSON rule sets,
    contacts and aspects, and building model instances through two joins cost more than the rest of the page."""
    qs = Campaign.objects.published()
    if province_code:
        # A national campaign is open to every province.
        qs = qs.filter(Q(province__code=province_code) | Q(province__isnull=True))
    if level:
        qs = qs.filter(level=level)
    now = now or timezone.now()
    rows = qs.order_by("-application_end", "level").values_list(
        "slug", "title", "level", "is_demo", "authority__name", "province__name", "application_start",
        "application_end", "fee")
    return [CatalogueEntry(*row, phase=Campaign.Phase(
        # The phase rule stays Campaign's own (Beijing time, end date inclusive).
        Campaign(application_start=row[6], application_end=row[7]).phase(now))) for row in rows]


def campaigns_managed_by(*, user) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("authority", "province")
    if user.is_superuser:
        return qs
    return qs.filter(authority_id=user.authority_id)


def audit_trail(*, subject) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.for_object(subject).select_related("actor")


def outbox(*, user, status: str | None = None) -> QuerySet[Notification]:
    """Notifications a staff member may see: all for administrators and the national secretariat, which sees
    every province; a provincial secretariat its own authority's people's mail and its province's applicants'."""
    qs = Notification.objects.select_related("recipient")
    if not (is_administrator(user) or is_national_secretariat(user)):
        own_staff = Q(recipient__authority_id=user.authority_id, recipient__authority__isnull=False)
        own_applicants = Q(recipient__applicant_profile__province_id=user.authority.province_id)
        qs = qs.filter(own_staff | own_applicants)
    return qs.filter(status=status) if status else qs


def outbox_backlog(*, user, now=None) -> dict:
    """What still waits to be sent among the mail `user` may see: how many, how many the sweep considers lost
    (queued longer than `notifications.STALE_AFTER`) and since when the oldest waits."""
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    from .notifications import STALE_AFTER

    now = now or timezone.now()
    return outbox(user=user, status=Notification.Status.QUEUED).aggregate(
        queued=Count("pk"), stale=Count("pk", filter=Q(created_at__lt=now - STALE_AFTER)), oldest=Min("created_at"),
    ) | {"stale_minutes": int(STALE_AFTER.total_seconds() // 60)}


def unit_barred_until(*, name: str, province=None):
    """The last day a unit is barred from applying, or None. A bar without a province applies everywhere."""
    key = normalize_unit_name(name)
    if not key:
        return None
    province_id = getattr(province, "pk", province)
    return (BarredUnit.objects.filter(normalized_name=key)
            .filter(Q(province__isnull=True) | Q(province_id=province_id))
            .aggregate(until=Max("barred_until"))["until"])
