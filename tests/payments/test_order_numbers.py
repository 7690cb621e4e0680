"""Order numbers never collide: two orders in the same second with the same random part both open."""

import secrets

import pytest
from django.utils import timezone

from payments import services
from payments.models import Order

pytestmark = pytest.mark.django_db


def test_a_colliding_order_number_is_retried_not_refused(open_campaign, make_user, submit, monkeypatch):
    frozen = timezone.now()
    # The same second for every number, and the random part repeats once: the second order's first
    # number is the first order's number.
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    draws = iter([123, 123, 456])
    monkeypatch.setattr(secrets, "randbelow", lambda n: next(draws))
    _app1, first = submit(make_user(), open_campaign)
    _app2, second = submit(make_user(), open_campaign)
    assert first.number.endswith("000123") and second.number.endswith("000456")
    assert first.number[:-6] == second.number[:-6]
    assert Order.objects.count() == 2


def test_retries_are_bounded(open_campaign, make_user, submit, monkeypatch):
    from django.db import IntegrityError

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    monkeypatch.setattr(secrets, "randbelow", lambda n: 7)
    submit(make_user(), open_campaign)
    with pytest.raises(IntegrityError):
        submit(make_user(), open_campaign)
    assert Order.objects.count() == 1 and services.ORDER_NUMBER_ATTEMPTS == 5
