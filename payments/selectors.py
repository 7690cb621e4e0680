import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum

from certification.models import Authority, Campaign
from certification.predicates import is_administrator, is_secretariat

from .models import Order


def orders_of_applicant(*, user) -> QuerySet[Order]:
    return (Order.objects.filter(applicant=user)
            .select_related("campaign", "application")
            .prefetch_related("refunds"))


def order_of_applicant(*, user, number: str) -> Order | None:
    return orders_of_applicant(user=user).filter(number=number).first()


def campaigns_visible_to_staff(*, user) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("authority")
    if is_administrator(user):
        return qs
    if not is_secretariat(user):
        return qs.none()
    if user.authority.kind == Authority.Kind.NATIONAL:
        return qs
    return qs.filter(authority_id=user.authority_id)


# What the staff order list shows; nothing else is read (no rule sets, no profile snapshots, no invoices).
STAFF_LIST_COLUMNS = ("pk", "number", "status", "amount", "invoice_status", "created_at", "paid_at", "campaign_id",
                      "applicant_id", "campaign__title", "applicant__full_name", "applicant__email")


def orders_for_staff(*, user, campaign_id: int | None = None, status: str | None = None) -> QuerySet[Order]:
    """Orders of the campaigns the user may see, newest first (the `order_created_desc` indexes)."""
    qs = Order.objects.filter(campaign__in=campaigns_visible_to_staff(user=user).values("pk"))
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def orders_for_staff_list(*, user, campaign_id: int | None = None, status: str | None = None) -> QuerySet[Order]:
    """`orders_for_staff` reading only the list's columns."""
    return (orders_for_staff(user=user, campaign_id=campaign_id, status=status)
            .select_related("campaign", "applicant").only(*STAFF_LIST_COLUMNS))


def order_totals_by_campaign(*, orders: QuerySet[Order]):
    """Per campaign: number of orders, paid orders and money received net of completed refunds."""
    return (orders.order_by().values("campaign_id", "campaign__title")
            .annotate(orders=Count("pk"),
                      paid=Count("pk", filter=Q(status=Order.Status.PAID)),
                      received=Sum("amount", filter=Q(status__in=[Order.Status.PAID, Order.Status.REFUNDING])),
                      refunded=Sum("amount", filter=Q(status=Order.Status.REFUNDED)))
            .order_by("campaign__title"))


def _percent(part, whole) -> int:
    """`part` as a whole percentage of `whole`, 0–100; anything above zero shows at least 1 so it stays visible."""
    if not whole or not part:
        return 0
    share = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(1, min(100, int(share)))


def order_totals_chart(*, orders: QuerySet[Order]) -> list[dict]:
    """The per-campaign totals with bar widths (integer percent) for the staff list's chart.

    Paid orders are a share of the campaign's own orders; amounts received and refunded are scaled to the
    largest amount on the page, so campaigns can be compared with each other.
    """
    cent = Decimal("0.01")
    # SQLite sums lose the scale ("1000"); money is always shown to the fen.
    rows = [dict(row, received=Decimal(row["received"] or 0).quantize(cent),
                 refunded=Decimal(row["refunded"] or 0).quantize(cent))
            for row in order_totals_by_campaign(orders=orders)]
    largest = max((max(r["received"], r["refunded"]) for r in rows), default=Decimal("0"))
    for row in rows:
        row["paid_width"] = _percent(row["paid"], row["orders"])
        row["received_width"] = _percent(row["received"], largest)
        row["refunded_width"] = _percent(row["refunded"], largest)
    return rows


# The chart is cached: fresh after every order saved through the ORM (each save bumps the generation in
# the key), and at most ORDER_TOTALS_MAX_AGE seconds old after anything else (a bulk `update()`, a manual SQL fix).
ORDER_TOTALS_MAX_AGE = 60
ORDER_TOTALS_GENERATION_KEY = "payments:order-totals:generation"


def order_totals_invalidate(**kwargs) -> None:
    """Connected to Order's post_save: a new generation, so the next chart is computed afresh."""
    cache.set(ORDER_TOTALS_GENERATION_KEY, time.time_ns(), None)


def _order_totals_generation() -> int:
    generation = cache.get(ORDER_TOTALS_GENERATION_KEY)
    if generation is None:  # never set, or evicted: a value no earlier key can carry
        cache.add(ORDER_TOTALS_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(ORDER_TOTALS_GENERATION_KEY)
    return generation


def _staff_scope(user) -> str:
    if is_administrator(user) or (is_secretariat(user) and user.authority.kind == Authority.Kind.NATIONAL):
        return "all"
    return f"authority-{user.authority_id}" if is_secretariat(user) else "none"


def order_totals_chart_for_staff(*, user, campaign_id: int | None = None, status: str | None = None) -> list[dict]:
    """`order_totals_chart` of the staff list's orders, from the cache (see ORDER_TOTALS_MAX_AGE)."""
    generation = _order_totals_generation()
    key = f"payments:order-totals:{generation}:{_staff_scope(user)}:{campaign_id or ''}:{status or ''}"
    rows = cache.get(key)
    if rows is None:
        rows = order_totals_chart(orders=orders_for_staff(user=user, campaign_id=campaign_id, status=status))
        cache.set(key, rows, ORDER_TOTALS_MAX_AGE)
    return rows


def staff_may_see_order(*, user, order: Order) -> bool:
    return campaigns_visible_to_staff(user=user).filter(pk=order.campaign_id).exists()
