from decimal import ROUND_HALF_UP, Decimal

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


def orders_for_staff(*, user, campaign_id: int | None = None, status: str | None = None) -> QuerySet[Order]:
    qs = (Order.objects.filter(campaign__in=campaigns_visible_to_staff(user=user))
          .select_related("campaign", "applicant", "application"))
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if status:
        qs = qs.filter(status=status)
    return qs


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


def staff_may_see_order(*, user, order: Order) -> bool:
    return campaigns_visible_to_staff(user=user).filter(pk=order.campaign_id).exists()
