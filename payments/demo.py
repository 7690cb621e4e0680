"""Demo payments for `make run`: a demo application's order is settled the way a secretariat settles a bank
transfer (`bank_transfer_confirm`), so the order, its payment and the application agree. Never outside a demo."""

from certification.models import Role, User

from . import services
from .models import Order


def pay_demo_order(application) -> Order | None:
    """Confirm a bank transfer for the application's pending order (the application then enters review).
    Idempotent: an order already settled, or none, is left alone."""
    order = Order.objects.select_related("campaign").filter(application=application).first()
    if order is None or not services.transfer_confirmable(order):
        return order
    # The campaign's own demo secretariat confirms, as in a real run; without one the system does.
    actor = (User.objects.filter(email__endswith="@demo.kjfdy.cn", authority=order.campaign.authority_id,
                                 role__in=[Role.NATIONAL_SECRETARIAT, Role.PROVINCIAL_SECRETARIAT])
             .order_by("pk").first())
    services.bank_transfer_confirm(order=order, actor=actor, reference=f"DEMO-{order.number}")
    order.refresh_from_db()
    return order
