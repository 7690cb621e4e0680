import datetime as dt
import itertools

import pytest
from django.utils import timezone

_numbers = itertools.count(1)


@pytest.fixture
def open_campaign(seeded):
    """The national senior campaign (fee 500, members 0.70) with its window moved around today."""
    campaign = seeded["national-senior-2023"]
    today = timezone.localdate()
    campaign.application_start = today - dt.timedelta(days=10)
    campaign.application_end = today + dt.timedelta(days=10)
    campaign.save()
    return campaign


@pytest.fixture
def submit():
    """A submitted application with its order, as `application_submit` leaves them."""
    from applicants.models import Application
    from payments.services import order_open_for_application

    def make(user, campaign, *, track="regular", **order_kwargs):
        app = Application.objects.create(applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
                                         track=track, status=Application.Status.SUBMITTED,
                                         number=f"T{campaign.year}{next(_numbers):06d}", submitted_at=timezone.now())
        order = order_open_for_application(application=app, actor=user, **order_kwargs)
        return app, order

    return make


@pytest.fixture
def pay():
    """Pay an order through the sandbox as the gateway would: start an attempt, then the signed notification."""
    from payments.providers.sandbox import SandboxProvider
    from payments.services import payment_notification_receive, payment_start

    def run(order, *, source="notify"):
        payment, _url = payment_start(order=order, provider_code="sandbox", actor=order.applicant)
        params = SandboxProvider().gateway_params(payment=payment)
        log = payment_notification_receive(provider_code="sandbox", params=params, source=source)
        order.refresh_from_db()
        return params, log

    return run
