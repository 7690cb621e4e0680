"""Review I at scale: SQL queries of the eligibility workbench, its application page and the expert queue at
N=10 and N=10,000 applications (must stay flat), and the automatic assignment of 10,000 dossiers to 300
experts with 2 each and conflicts (must finish under 30 s with every load within its limit).

Run: `.venv/bin/python bench/reviews_i.py` (or `make bench`). Prints ratios against the baseline measured in
the same run. Exits non-zero if a page's query count grows with N, the assignment takes 30 s or more, breaks
a limit or assigns a conflict. Uses a throwaway SQLite file, or a throwaway database on the PostgreSQL server
of DATABASE_URL if that is set.
"""

import datetime as dt
import logging
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from list_pages import throwaway_database  # noqa: E402

BASELINE, GROWN = 10, 10_000
EXPERTS, PER_DOSSIER, LIMIT_SECONDS = 300, 2, 30.0
REPEATS = 3
NATIONAL = "中国青少年科技教育工作者协会"
UNITS = [f"第{i}中学" for i in range(400)]


def grow_to(n: int, *, campaign, made: list) -> None:
    """Applications up to `n` under eligibility review, with a profile snapshot, a stored engine verdict and one
    dossier entry each. Rows are bulk-inserted (the states are what the services leave; speed is what we need)."""
    from django.utils import timezone

    from applicants.models import ApplicantProfile, Application, DossierEntry
    from certification.models import Role, User

    start = len(made)
    if n <= start:
        return
    users = User.objects.bulk_create([User(email=f"r{i}@example.cn", role=Role.APPLICANT, full_name=f"申请人{i}",
                                           password="!") for i in range(start, n)], batch_size=1000)
    ApplicantProfile.objects.bulk_create([
        ApplicantProfile(user=u, full_name=u.full_name, employer=UNITS[(start + k) % len(UNITS)], city="南京市")
        for k, u in enumerate(users)], batch_size=1000)
    verdict = {"outcome": "needs_review", "criteria": [], "exceptional": [], "track": "regular"}
    apps = Application.objects.bulk_create([
        Application(applicant=u, campaign=campaign, level=campaign.level, year=campaign.year,
                    status=Application.Status.UNDER_REVIEW, number=f"R{campaign.year}{start + k:06d}",
                    submitted_at=timezone.now(), paid_at=timezone.now(), eligibility_result=verdict,
                    profile_snapshot={"full_name": u.full_name, "employer": UNITS[(start + k) % len(UNITS)],
                                      "id_number": f"3201021980{start + k:08d}", "province": "江苏省"})
        for k, u in enumerate(users)], batch_size=1000)
    DossierEntry.objects.bulk_create([
        DossierEntry(application=a, item_code="B1", fields={"competition": "大赛"}, occurred_on=dt.date(2024, 1, 1),
                     attachment=f"applicants/evidence/bench{a.pk}.pdf", attachment_name="a.pdf",
                     content_sha256=f"{a.pk:064x}") for a in apps], batch_size=1000)
    made.extend(apps)


def measure(client, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    count = len(ctx.captured_queries)
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - t)
    return count, statistics.median(times)


def main() -> int:
    url, cleanup = throwaway_database()
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    try:
        return run()
    finally:
        cleanup()


def run() -> int:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from applicants.models import Application
    from certification.models import Authority, Role, User, normalize_unit_name
    from certification.seed import load_demo_campaigns, load_seed_campaigns
    from reviews import services
    from reviews.models import Assignment, Expert

    setup_test_environment(debug=False)
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    load_seed_campaigns()
    campaign = {c.level: c for c in load_demo_campaigns()}["senior"]
    authority = Authority.objects.get(name=NATIONAL)
    secretariat = User.objects.create_user(email="bench-nat@example.cn", password="x", role=Role.NATIONAL_SECRETARIAT,
                                           authority=authority)
    rng = random.Random(2026)
    # 300 experts: their units overlap the applicants' (same-unit conflicts) and each declares 3 more units.
    users = User.objects.bulk_create([User(email=f"x{i}@example.cn", role=Role.EXPERT, full_name=f"专家{i}",
                                           password="!") for i in range(EXPERTS)])
    # Capacity 80 each: 24,000 places for 20,000 reviews, so loads must be balanced to fit.
    Expert.objects.bulk_create([Expert(user=u, authority=authority, full_name=u.full_name, unit=UNITS[i],
                                       max_per_campaign=80, conflict_units=rng.sample(UNITS, 3))
                                for i, u in enumerate(users)])
    services.score_categories_sync(campaign=campaign)
    expert = Expert.objects.first()

    made: list = []
    sec, exp = Client(), Client()
    sec.force_login(secretariat)
    exp.force_login(expert.user)
    results = {}
    for n in (BASELINE, GROWN):
        grow_to(n, campaign=campaign, made=made)
        # The expert has a handful of dossiers at both sizes (the queue shows one expert's assignments).
        for a in made[:5]:
            Assignment.objects.get_or_create(application=a, expert=expert, defaults={"campaign": campaign})
        first = made[0]
        pages = [("workbench list", "/review/eligibility/", sec), ("application page",
                 f"/review/eligibility/{first.pk}/", sec), ("expert queue", "/review/tasks/", exp)]
        for label, url_, client in pages:
            results[label, n] = measure(client, url_)
    Assignment.objects.all().delete()

    print(f"Review I pages, {BASELINE} → {GROWN} applications; time = median of {REPEATS}, ratio to N={BASELINE}.")
    header = f"{'page':<22} {'q@' + str(BASELINE):>6} {'q@' + str(GROWN):>7} {'time×':>6}  verdict"
    print(header)
    print("-" * len(header))
    bad = []
    for label in ("workbench list", "application page", "expert queue"):
        (q1, t1), (q2, t2) = results[label, BASELINE], results[label, GROWN]
        verdict = "flat" if q1 == q2 else f"GROWS (+{q2 - q1} queries)"
        if q2 != q1:
            bad.append(label)
        print(f"{label:<22} {q1:>6} {q2:>7} {t2 / t1:>6.2f}  {verdict}")

    # Eligible: the state assignment starts from (released decisions, set in bulk here).
    Application.objects.filter(pk__in=[a.pk for a in made]).update(status=Application.Status.ELIGIBLE)
    start = time.perf_counter()
    outcome = services.assignment_run(campaign=campaign, start_portfolio=False)
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    moved = services.portfolio_start(campaign=campaign)
    moving = time.perf_counter() - start
    loads = Counter(Assignment.objects.values_list("expert_id", flat=True))
    experts = {x.pk: x for x in Expert.objects.all()}
    employer = {a.pk: normalize_unit_name(a.profile_snapshot["employer"]) for a in made}
    conflicts = sum(1 for a_id, e_id in Assignment.objects.values_list("application_id", "expert_id")
                    if employer[a_id] in {normalize_unit_name(u) for u in [experts[e_id].unit,
                                                                             *experts[e_id].conflict_units]})
    over = [e for e, n in loads.items() if n > experts[e].max_per_campaign]
    staffed = Counter(Assignment.objects.values_list("application_id", flat=True))
    full = sum(1 for a in made if staffed[a.pk] == PER_DOSSIER)
    print(f"\nAssignment: {GROWN} dossiers × {PER_DOSSIER} to {EXPERTS} experts (limit 80, same-unit and 3 declared "
          f"units each): {elapsed:.1f} s ({elapsed / LIMIT_SECONDS:.2f} of the {LIMIT_SECONDS:.0f} s budget); "
          f"{outcome['assigned']} assigned, {full} dossiers fully staffed, {len(outcome['unstaffed'])} reported; "
          f"loads {min(loads.values())}–{max(loads.values())}, over limit: {len(over)}, conflicts assigned: "
          f"{conflicts}.")
    print(f"Then {moved} dossiers entered 业绩成果评审 one transition each (lock, audit): {moving:.1f} s "
          f"({moving / max(elapsed, 1e-9):.1f}× the assignment; the job's second phase, shown as its progress).")
    ok = elapsed < LIMIT_SECONDS and not over and not conflicts and not bad
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
