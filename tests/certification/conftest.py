import pytest


@pytest.fixture
def draft(seeded):
    """The Jiangsu junior seed campaign, put back to draft."""
    from certification.models import Campaign

    c = seeded["jiangsu-junior-2024"]
    Campaign.objects.filter(pk=c.pk).update(status=Campaign.Status.DRAFT)
    c.refresh_from_db()
    return c


@pytest.fixture
def open_campaign_for_outbox(seeded):
    """An open campaign, a way to submit into it and the sandbox gateway's signed notification for an order."""
    import datetime as dt

    from django.utils import timezone

    from applicants.models import Application
    from payments.providers.sandbox import SandboxProvider
    from payments.services import order_open_for_application, payment_start

    campaign = seeded["national-senior-2023"]
    today = timezone.localdate()
    campaign.application_start = today - dt.timedelta(days=10)
    campaign.application_end = today + dt.timedelta(days=10)
    campaign.save()
    counter = iter(range(1, 1000))

    def submit(user, campaign):
        app = Application.objects.create(applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
                                         status=Application.Status.SUBMITTED, number=f"B{next(counter):06d}",
                                         submitted_at=timezone.now())
        return app, order_open_for_application(application=app, actor=user)

    def pay_params(order):
        payment, _ = payment_start(order=order, provider_code="sandbox", actor=order.applicant)
        return SandboxProvider().gateway_params(payment=payment)

    return campaign, submit, pay_params
