"""Ranking a whole campaign against a bare SQL `RANK() OVER (...)` update of the same rows.

Run: `.venv/bin/python bench/ranking.py` (or `make bench`). With DATABASE_URL pointing at PostgreSQL it builds a
throwaway database with one senior campaign of 100,000 shortlisted applications (portfolio, exam and defense scores
each), then times, in one run:
  * ours:     the ranking job (`ranking_request` → `ranking_compute`): the missing-score check, the counts, replacing
              the campaign's result rows and the one INSERT … SELECT with two window functions that computes every
              total, rank and pass decision (a re-run, as a secretariat would do it);
  * baseline: `UPDATE … SET rank = r.rnk FROM (SELECT id, RANK() OVER (ORDER BY total DESC) …) r` over the same
              100,000 result rows, nothing else.
Prints the ratio ours / baseline (medians of REPEATS runs each) and exits non-zero above LIMIT (1.5). Without
PostgreSQL it runs on a throwaway SQLite file with 10,000 applications, for reading only (the limit is PostgreSQL's).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from bench.list_pages import throwaway_database  # noqa: E402

LIMIT = 1.5
REPEATS = 3


def _columns(model, given: dict[str, str]) -> tuple[str, str, list]:
    """Column list and SELECT expressions for a set-based INSERT: `given` SQL for some columns, every other one
    its model default (or NULL / ''), so the bench keeps working as models grow fields."""
    from django.db import connection

    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f.column)
        if f.column in given:
            exprs.append(given[f.column])
        elif f.has_default():
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            exprs.append("NULL")
        else:
            exprs.append("''")
    return ", ".join(cols), ", ".join(exprs), params


def load(n: int, campaign) -> None:
    """n applicants, each with a shortlisted application and three stage scores, written set-based."""
    from django.db import connection, transaction

    from applicants.models import Application
    from certification.models import User
    from reviews.models import StageScore

    seq = f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {int(n)})"
    now = "CURRENT_TIMESTAMP"
    with transaction.atomic(), connection.cursor() as c:
        cols, exprs, params = _columns(User, {
            "password": "'!'", "date_joined": now, "email": "'rank' || i || '@bench.example.cn'",
            "full_name": "'考生' || i", "role": "'applicant'", "email_verified": "TRUE"})
        c.execute(f"{seq} INSERT INTO {User._meta.db_table} ({cols}) SELECT {exprs} FROM seq", params)
        cols, exprs, params = _columns(Application, {
            "applicant_id": "u.id", "campaign_id": str(int(campaign.pk)), "level": f"'{campaign.level}'",
            "year": str(int(campaign.year)), "number": "'R' || u.id", "status": "'shortlisted'",
            "submitted_at": now, "created_at": now, "updated_at": now})
        c.execute(f"""INSERT INTO {Application._meta.db_table} ({cols}) SELECT {exprs}
                      FROM {User._meta.db_table} u WHERE u.email LIKE 'rank%%@bench.example.cn'""", params)
        # Scores 60–100 with two decimals, spread so that ties occur but are not the rule; dated before the run.
        yesterday = "CURRENT_TIMESTAMP - INTERVAL '1 day'" if connection.vendor == "postgresql" \
            else "datetime('now', '-1 day')"
        for k, stage in enumerate(["portfolio", "exam", "defense"]):
            c.execute(f"""INSERT INTO {StageScore._meta.db_table}
                              (application_id, stage, score, absent, detail, updated_at)
                          SELECT a.id, %s, ((a.id * {7919 + 104729 * k}) %% 4001) / 100.0 + 60, FALSE, '{{}}',
                                 {yesterday}
                          FROM {Application._meta.db_table} a WHERE a.campaign_id = %s""", [stage, campaign.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")


def ours(campaign) -> float:
    from reviews import ranking_services
    from reviews.models import RankingRound

    start = time.perf_counter()
    ranking_services.ranking_request(campaign=campaign, actor=None)  # the eager job runs at commit
    elapsed = time.perf_counter() - start
    rnd = RankingRound.objects.get(campaign=campaign)
    assert rnd.status == RankingRound.Status.COMPUTED, rnd.failure_message
    return elapsed


def baseline(campaign) -> float:
    from django.db import connection, transaction

    from reviews.models import RankingResult

    table = RankingResult._meta.db_table
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(f"""UPDATE {table} SET rank = r.rnk
                      FROM (SELECT id, RANK() OVER (ORDER BY total DESC) AS rnk FROM {table}
                            WHERE campaign_id = %s) r
                      WHERE {table}.id = r.id""", [campaign.pk])
    return time.perf_counter() - start


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
    import logging

    from django.core.management import call_command
    from django.db import connection

    from certification.models import Campaign
    from certification.seed import load_seed_campaigns
    from reviews.models import RankingResult

    logging.getLogger("celery").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    load_seed_campaigns()
    campaign = Campaign.objects.get(slug="national-senior-2023")
    pg = connection.vendor == "postgresql"
    n = 100_000 if pg else 10_000
    t0 = time.perf_counter()
    load(n, campaign)
    print(f"Ranking bench on {connection.vendor}: {n:,} applications loaded in {time.perf_counter() - t0:.1f} s")
    ours(campaign)  # first run: creates the round and the result rows (and warms caches)
    assert RankingResult.objects.filter(campaign=campaign).count() == n
    ours_times = [ours(campaign) for _ in range(REPEATS)]
    base_times = [baseline(campaign) for _ in range(REPEATS)]
    o, b = statistics.median(ours_times), statistics.median(base_times)
    ratio = o / b
    print(f"{'ranking job (re-run, whole campaign)':<44} {o * 1000:>8.0f} ms")
    print(f"{'bare UPDATE … RANK() OVER (same rows)':<44} {b * 1000:>8.0f} ms")
    verdict = "ok" if ratio <= LIMIT else f"TOO SLOW (limit {LIMIT}×)"
    print(f"ratio ours / bare: {ratio:.2f}×  {verdict if pg else '(SQLite: for reading only)'}")
    return 1 if pg and ratio > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
