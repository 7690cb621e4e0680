import functools
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Count, Func, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from certification.compiled import CompiledQuery
from certification.models import Authority, Campaign
from certification.predicates import is_administrator, is_national_secretariat, is_secretariat

from .models import Order


def orders_of_applicant(*, user) -> QuerySet[Order]:
    return (Order.objects.filter(applicant=user)
            .select_related("campaign", "application")
            .prefetch_related("refunds"))


def order_of_applicant(*, user, number: str) -> Order | None:
    return orders_of_applicant(user=user).filter(number=number).first()


def campaigns_visible_to_staff(*, user) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("authority")
    if _sees_every_campaign(user):
        return qs
    if not is_secretariat(user):
        return qs.none()
    return qs.filter(authority_id=user.authority_id)


def _sees_every_campaign(user) -> bool:
    """Administrators, and the national secretariat bound to the national association. A provincial secretariat
    sees its own authority's campaigns whatever that authority is: no query for its authority on every page."""
    if is_administrator(user):
        return True
    return is_national_secretariat(user) and user.authority.kind == Authority.Kind.NATIONAL


def orders_for_staff(*, user, campaign_id: int | None = None, status: str | None = None) -> QuerySet[Order]:
    """Orders of the campaigns the user may see, newest first (the `order_*_created_desc` indexes).

    Whoever sees every campaign gets no campaign condition at all: the planner then walks one index in order.
    A provincial secretariat's condition is a join, not a `campaign__in` subquery: nested once more inside the
    staff list's page query, Django spent longer relabelling the subquery's aliases than PostgreSQL ran it.
    """
    if _sees_every_campaign(user):
        return _orders_listed(campaign_id=campaign_id, status=status)
    if is_secretariat(user):  # as campaigns_visible_to_staff
        return _orders_listed(authority_id=user.authority_id, campaign_id=campaign_id, status=status)
    return Order.objects.none()


def _orders_listed(*, authority_id: int | None = None, campaign_id: int | None = None,
                   status: str | None = None) -> QuerySet[Order]:
    """The orders of one authority's campaigns (None: every campaign's), filtered as the staff list is."""
    qs = Order.objects.all()
    if authority_id is not None:
        qs = qs.filter(campaign__authority_id=authority_id)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if status:
        qs = qs.filter(status=status)
    return qs


STAFF_LIST_PER_PAGE = 50
_STATUS_LABELS = dict(Order.Status.choices)
_INVOICE_STATUS_LABELS = dict(Order.InvoiceStatus.choices)
_NUMBER_SLOT = "ORDER-NUMBER"


class StaffOrderRow(NamedTuple):
    """A row of the staff order list, as printed (`payments_tags.staff_order_rows`)."""

    number: str
    detail_url: str
    campaign_title: str
    applicant: str
    amount: str
    status: str
    status_label: str
    invoice_status_label: str
    created_at: str
    paid_at: str




@dataclass(frozen=True)
class StaffOrderList:
    page: Page  # its object_list: the page's StaffOrderRows
    totals: list[dict]  # order_totals_chart of the same orders
    totals_version: str  # changes with them: the chart's rendered fragment is cached under it
    campaigns: list[tuple[int, str]]  # the filter's choices


def staff_order_list(*, user, campaign_id: int | None = None, status: str | None = None,
                     page_number=None) -> StaffOrderList:
    """One page of the staff order list with its chart and filter choices, in one query whatever the page.

    The chart's per-campaign counts (cached, see ORDER_TOTALS_MAX_AGE) add up to the number of orders listed, so
    paging needs no COUNT, and campaign titles come from the cached filter choices. The page's pks are read in list
    order from an index alone (campaign and status are included columns of the `order_*` indexes), and only those
    rows are read, with their applicant's name: nothing else (no rule sets, no profile snapshots, no invoices).
    The statement is compiled once per process for each scope and filter (`_staff_page_query`).
    """
    totals_version, totals = _order_totals_cached(user=user, campaign_id=campaign_id, status=status)
    campaigns = campaign_choices_for_staff(user=user)
    page = Paginator(range(sum(row["orders"] for row in totals)), STAFF_LIST_PER_PAGE).get_page(page_number)
    scope = _staff_scope(user)
    rows = []
    if page.paginator.count and scope != "none":
        query = _staff_page_query(scope=scope.split("-")[0], by_campaign=bool(campaign_id), status=status or "",
                                  time_zone=timezone.get_current_timezone_name())
        slots = {"offset": (page.number - 1) * STAFF_LIST_PER_PAGE}
        if scope != "all":
            slots["authority_id"] = user.authority_id
        if campaign_id:
            slots["campaign_id"] = campaign_id
        rows = query.rows(**slots)
    page.object_list = _staff_rows(rows, titles=dict(campaigns))
    return StaffOrderList(page=page, totals=totals, totals_version=totals_version, campaigns=campaigns)


@functools.lru_cache(maxsize=64)
def _staff_page_query(*, scope: str, by_campaign: bool, status: str, time_zone: str) -> CompiledQuery:
    """The staff list's page statement for a scope ("all" or "authority") and filter. `status` is one of the
    order statuses (the view's form checked it) or "": the cache holds a handful of statements."""
    slots = ["offset"] + (["authority_id"] if scope == "authority" else []) + (["campaign_id"] if by_campaign else [])
    # Elsewhere (SQLite in development) the datetimes come back and are formatted by `_staff_rows`.
    times = ((_LocalMinute("created_at", time_zone=time_zone), _LocalMinute("paid_at", time_zone=time_zone))
             if connection.vendor == "postgresql" else ("created_at", "paid_at"))

    def build(offset, authority_id=None, campaign_id=None):
        listed = _orders_listed(authority_id=authority_id, campaign_id=campaign_id, status=status)
        pks = listed.order_by("-created_at", "-pk").values("pk")[offset:offset + STAFF_LIST_PER_PAGE]
        return (Order.objects.filter(pk__in=pks).order_by("-created_at", "-pk")
                .values_list("number", "status", "amount", "invoice_status", *times, "campaign_id",
                             "applicant__full_name", "applicant__email"))

    return CompiledQuery(build, *slots)


class _LocalMinute(Func):
    """A timestamp as `|date:"Y-m-d H:i"` prints it in the current time zone, written by PostgreSQL: turning a
    page's hundred timestamps into datetimes only to format them again cost more than the rest of its rows."""

    output_field = CharField()

    def __init__(self, expression, *, time_zone: str):
        super().__init__(expression)
        self.time_zone = time_zone

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')", (*params, self.time_zone)


def _staff_rows(rows: list[tuple], *, titles: dict[int, str]) -> list[StaffOrderRow]:
    missing = {row[6] for row in rows} - titles.keys()
    if missing:  # a campaign newer than the cached choices (created without a post_save signal)
        titles = {**titles, **dict(Campaign.objects.filter(pk__in=missing).values_list("pk", "title"))}
    detail_url = reverse("payments:staff_order_detail", args=[_NUMBER_SLOT])  # once, not once per row
    tz = timezone.get_current_timezone()

    def minute(value) -> str:
        if value is None:
            return "—"
        return value if isinstance(value, str) else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return [
        StaffOrderRow(number=number, detail_url=detail_url.replace(_NUMBER_SLOT, quote(number)),
                      campaign_title=titles[campaign_id], applicant=full_name or email,  # as User.__str__
                      amount=f"{amount:f}", status=status, status_label=_STATUS_LABELS.get(status, status),
                      invoice_status_label=_INVOICE_STATUS_LABELS.get(invoice_status, invoice_status),
                      created_at=minute(created_at), paid_at=minute(paid_at))
        for number, status, amount, invoice_status, created_at, paid_at, campaign_id, full_name, email in rows]


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


# The chart, the list's count (its per-campaign counts added up) and the filter's campaigns are cached: fresh
# after every order or campaign saved through the ORM (each save bumps the generation in the key), and at most
# ORDER_TOTALS_MAX_AGE seconds old after anything else (a bulk `update()`, a manual SQL fix).
ORDER_TOTALS_MAX_AGE = 60
ORDER_TOTALS_GENERATION_KEY = "payments:order-totals:generation"


def order_totals_invalidate(**kwargs) -> None:
    """Connected to Order's and Campaign's post_save: a new generation, so the next chart is computed afresh."""
    cache.set(ORDER_TOTALS_GENERATION_KEY, time.time_ns(), None)


def _order_totals_generation() -> int:
    generation = cache.get(ORDER_TOTALS_GENERATION_KEY)
    if generation is None:  # never set, or evicted: a value no earlier key can carry
        cache.add(ORDER_TOTALS_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(ORDER_TOTALS_GENERATION_KEY)
    return generation


def _staff_scope(user) -> str:
    if _sees_every_campaign(user):
        return "all"
    return f"authority-{user.authority_id}" if is_secretariat(user) else "none"


def order_totals_chart_for_staff(*, user, campaign_id: int | None = None, status: str | None = None) -> list[dict]:
    """`order_totals_chart` of the staff list's orders, from the cache (see ORDER_TOTALS_MAX_AGE)."""
    return _order_totals_cached(user=user, campaign_id=campaign_id, status=status)[1]


def _order_totals_cached(*, user, campaign_id: int | None, status: str | None) -> tuple[str, list[dict]]:
    """The chart and its version: a string naming this very computation (what is rendered from the chart can
    be cached under it and is never older than the chart itself)."""
    generation = _order_totals_generation()
    key = f"payments:order-totals:{generation}:{_staff_scope(user)}:{campaign_id or ''}:{status or ''}"
    cached = cache.get(key)
    if cached is None:
        cached = (time.time_ns(),
                  order_totals_chart(orders=orders_for_staff(user=user, campaign_id=campaign_id, status=status)))
        cache.set(key, cached, ORDER_TOTALS_MAX_AGE)
    computed_at, rows = cached
    return f"{key}:{computed_at}", rows


def campaign_choices_for_staff(*, user) -> list[tuple[int, str]]:
    """(pk, title) of the campaigns the user may see, in their usual order, for the staff list's filter; cached
    like the chart (see ORDER_TOTALS_MAX_AGE), so a page view does not read them again."""
    key = f"payments:staff-campaigns:{_order_totals_generation()}:{_staff_scope(user)}"
    choices = cache.get(key)
    if choices is None:
        choices = list(campaigns_visible_to_staff(user=user).select_related(None).values_list("pk", "title"))
        cache.set(key, choices, ORDER_TOTALS_MAX_AGE)
    return choices


def staff_may_see_order(*, user, order: Order) -> bool:
    return campaigns_visible_to_staff(user=user).filter(pk=order.campaign_id).exists()
