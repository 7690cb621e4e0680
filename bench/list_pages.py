"""How the list pages scale as data grows: SQL queries and request time at N=10 (baseline) and N=200 applicants.

Run: `.venv/bin/python bench/list_pages.py` (or `make bench`). Prints ratios against the baseline measured in
the same run, never absolute times, so the numbers mean the same on a laptop and in CI. Exits non-zero if any
page's query count grows with N (an N+1 query); the time ratio is for reading, not for failing.

Uses a throwaway SQLite file, or a throwaway database on the PostgreSQL server of DATABASE_URL if that is set.
"""

import datetime as dt
import logging
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
# Requests run synchronously in this thread; nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from _helpers import run_in_throwaway_database, sql_of  # noqa: E402 — bench/ is the script's folder

BASELINE, GROWN = 10, 200
REPEATS = 5
PASSWORD = "Bench-pass-2026"
JIANGSU = "江苏省青少年科技教育协会"


def grow_to(n: int, *, campaigns: list, made: list) -> None:
    """Applicants up to `n`, each with a profile, a submitted application and its order; every other one paid.

    Built the way `application_submit` leaves them (order through `order_open_for_application`, payment through
    the sandbox gateway's signed notification), as tests/payments/conftest.py does.
    """
    from django.utils import timezone

    from applicants.models import ApplicantProfile, Application
    from certification.idcard import id_check_char
    from certification.models import Role, User
    from payments.providers.sandbox import SandboxProvider
    from payments.services import order_open_for_application, payment_notification_receive, payment_start

    for i in range(len(made), n):
        user = User.objects.create_user(email=f"bench{i}@example.cn", password=PASSWORD, role=Role.APPLICANT,
                                        full_name=f"测试{i}")
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        first17 = f"320102{birth:%Y%m%d}{100 + i % 900:03d}"
        ApplicantProfile.objects.create(user=user, full_name=user.full_name, id_number=first17 + id_check_char(first17))
        campaign = campaigns[i % len(campaigns)]
        application = Application.objects.create(
            applicant=user, campaign=campaign, level=campaign.level, year=campaign.year,
            status=Application.Status.SUBMITTED, number=f"B{campaign.year}{i:06d}", submitted_at=timezone.now())
        order = order_open_for_application(application=application, actor=user)
        if i % 2 == 0:
            payment, _url = payment_start(order=order, provider_code="sandbox", actor=user)
            payment_notification_receive(provider_code="sandbox",
                                         params=SandboxProvider().gateway_params(payment=payment))
        made.append(user)


def measure(client, url: str) -> tuple[int, float, list[str]]:
    """Queries of one request and the median time of REPEATS more, after a warm-up (templates, caches)."""
    assert client.get(url).status_code == 200, url
    sqls = sql_of(lambda: client.get(url), warm_up=False)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return len(sqls), statistics.median(times), sqls


def most_repeated(sqls: list[str]) -> str:
    """The query shape seen most often, to point at the N+1."""
    shapes = Counter(re.sub(r"\b\d+\b|'[^']*'", "?", sql) for sql in sqls)
    shape, count = shapes.most_common(1)[0]
    return f"{count}× {shape[:160]}"


def main() -> int:
    return run_in_throwaway_database(run, prefix="bench")


def run() -> int:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from certification.models import Authority, Role, User
    from certification.seed import load_demo_campaigns, load_seed_campaigns

    # "testserver" host, in-memory mail; DEBUG off so timings are the production code path and the query log
    # holds only what CaptureQueriesContext asks for (a request clears it at start).
    setup_test_environment(debug=False)
    # Tasks run inline here; their one-line success logs would bury the table.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)  # "no hostname": the in-memory broker has none
    call_command("migrate", verbosity=0)
    load_seed_campaigns()
    campaigns = load_demo_campaigns()
    secretariat = User.objects.create_user(email="bench-js@example.cn", password=PASSWORD,
                                           role=Role.PROVINCIAL_SECRETARIAT,
                                           authority=Authority.objects.get(name=JIANGSU))
    administrator = User.objects.create_user(email="bench-admin@example.cn", password=PASSWORD,
                                             role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    made: list = []
    grow_to(BASELINE, campaigns=campaigns, made=made)
    pages = [("catalogue /", "/", None), ("applicant /me/", "/me/", made[0]),
             ("secretariat /review/eligibility/", "/review/eligibility/", secretariat),
             ("orders /orders/manage/ (Jiangsu sec.)", "/orders/manage/", secretariat),
             ("orders /orders/manage/ (administrator)", "/orders/manage/", administrator)]
    clients = {}
    for _label, _url, user in pages:
        if user is not None and user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
    anonymous = Client()

    results = {}
    for n in (BASELINE, GROWN):
        grow_to(n, campaigns=campaigns, made=made)
        for label, url, user in pages:
            results[label, n] = measure(clients[user.pk] if user else anonymous, url)

    print(f"List pages, {BASELINE} → {GROWN} applicants ({len(campaigns)} demo campaigns, half the orders paid); "
          f"time = median of {REPEATS}, ratio to N={BASELINE} in this run.")
    header = f"{'page':<40} {'q@' + str(BASELINE):>6} {'q@' + str(GROWN):>6} {'time×':>6}  verdict"
    print(header)
    print("-" * len(header))
    grows = []
    for label, _url, _user in pages:
        q_small, t_small, _ = results[label, BASELINE]
        q_big, t_big, sqls = results[label, GROWN]
        verdict = "flat" if q_small == q_big else f"GROWS (+{q_big - q_small} queries)"
        if q_big > q_small:
            grows.append((label, most_repeated(sqls)))
        print(f"{label:<40} {q_small:>6} {q_big:>6} {t_big / t_small:>6.2f}  {verdict}")
    for label, shape in grows:
        print(f"\n{label}: most repeated query {shape}")
    return 1 if grows else 0


if __name__ == "__main__":
    sys.exit(main())
