"""`run_atomic_with_retry`: a transaction PostgreSQL aborts as a deadlock victim runs again and succeeds."""

import threading

import pytest
from django.db import OperationalError, connection, connections

from certification.db import run_atomic_with_retry
from certification.models import Province

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL deadlock detection")


def _cross_lock(first, second, barrier, retry, results):
    attempts = []

    def work():
        attempts.append(1)
        Province.objects.select_for_update().get(pk=first)
        if len(attempts) == 1:
            barrier.wait(timeout=10)  # both hold their first row: the second lock deadlocks
        Province.objects.select_for_update().get(pk=second)
        return len(attempts)

    try:
        results.append(run_atomic_with_retry(work) if retry else _plain(work))
    except OperationalError as exc:
        results.append(exc)
    finally:
        connections.close_all()


def _plain(work):
    from django.db import transaction

    with transaction.atomic():
        return work()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("retry", [False, True])
def test_deadlock_victim_is_retried(retry):
    a, b = (Province.objects.create(code="91", name="甲", short_name="甲"),
            Province.objects.create(code="92", name="乙", short_name="乙"))
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_cross_lock, args=(a.pk, b.pk, barrier, retry, results)),
               threading.Thread(target=_cross_lock, args=(b.pk, a.pk, barrier, retry, results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    errors = [r for r in results if isinstance(r, Exception)]
    if retry:
        assert errors == [] and sorted(results) == [1, 2]  # the victim ran a second time
    else:
        assert len(errors) == 1 and "deadlock" in str(errors[0])
