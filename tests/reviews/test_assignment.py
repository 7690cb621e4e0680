"""Automatic assignment (min-cost flow), manual moves and declared conflicts."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applicants.models import Application
from certification.models import Role
from reviews import services
from reviews.assignment import DossierNeed, ExpertSlot, solve
from reviews.models import Assignment, AssignmentJob, ExpertConflict

S = Application.Status


# --- the solver, pure ---------------------------------------------------------------------------------------

def test_solver_never_assigns_a_conflict_and_respects_limits():
    experts = [ExpertSlot(key=k, limit=2) for k in range(4)]
    dossiers = [DossierNeed(key=d, needed=2, forbidden=frozenset({d % 4})) for d in range(4)]
    plan = solve(dossiers, experts)
    assert len(plan.pairs) == 8 and not plan.unstaffed
    assert all(e != d % 4 for d, e in plan.pairs)
    assert max(Counter(e for _, e in plan.pairs).values()) <= 2


def test_solver_balances_loads_and_prefers_specialty():
    experts = [ExpertSlot(key=k, limit=10, matches_specialty=k < 2) for k in range(4)]
    plan = solve([DossierNeed(key=d, needed=1) for d in range(8)], experts)
    loads = Counter(e for _, e in plan.pairs)
    assert set(loads) == {0, 1} and loads[0] == loads[1] == 4  # specialists first, evenly


def test_solver_reports_unstaffable_with_reasons():
    experts = [ExpertSlot(key=0, limit=1), ExpertSlot(key=1, limit=5)]
    plan = solve([DossierNeed(key=1, needed=2, forbidden=frozenset({0, 1})),
                  DossierNeed(key=2, needed=2), DossierNeed(key=3, needed=2)], experts)
    assert "无利益冲突的专家不足" in plan.unstaffed[1]
    assert len(plan.experts_of(2)) + len(plan.experts_of(3)) == 3  # expert 0 has one place, expert 1 two dossiers
    assert len([k for k in (2, 3) if k in plan.unstaffed]) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_solver_property_on_random_pools(data):
    n_experts = data.draw(st.integers(1, 8))
    experts = [ExpertSlot(key=k, limit=data.draw(st.integers(1, 6)), load=data.draw(st.integers(0, 2)))
               for k in range(n_experts)]
    dossiers = [DossierNeed(key=d, needed=data.draw(st.integers(1, 3)),
                            forbidden=frozenset(data.draw(st.lists(st.integers(0, n_experts - 1), max_size=4))))
                for d in range(data.draw(st.integers(1, 12)))]
    plan = solve(dossiers, experts)
    by_key = {d.key: d for d in dossiers}
    loads = Counter(e for _, e in plan.pairs)
    assert len(set(plan.pairs)) == len(plan.pairs)  # no expert twice on a dossier
    for d, e in plan.pairs:
        assert e not in by_key[d].forbidden
    for x in experts:
        assert loads[x.key] + x.load <= max(x.limit, x.load)
    for d in dossiers:
        got = len(plan.experts_of(d.key))
        assert got <= d.needed
        assert (got < d.needed) == (d.key in plan.unstaffed)
    # Maximal: no unstaffed dossier could still take an allowed expert with room left.
    for d in dossiers:
        if d.key in plan.unstaffed:
            free = [x for x in experts if x.key not in d.forbidden and x.key not in plan.experts_of(d.key)
                    and loads[x.key] + x.load < x.limit]
            assert not free


# --- the service -----------------------------------------------------------------------------------------

@pytest.fixture
def eligible(make_under_review, national_secretariat):
    def make(n, **kw):
        apps = [make_under_review(**kw) for _ in range(n)]
        services.eligibility_decide(applications=apps, actor=national_secretariat, outcome="pass")
        services.eligibility_release(actor=national_secretariat)
        return apps
    return make


@pytest.fixture
def run_job(django_capture_on_commit_callbacks, national_secretariat):
    def run(campaign):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.assignment_job_create(campaign=campaign, actor=national_secretariat)
        job.refresh_from_db()
        return job
    return run


@pytest.fixture
def add_expert(national_secretariat):
    counter = {"n": 0}

    def add(unit="北京大学", limit=30, **kw):
        counter["n"] += 1
        return services.expert_create(authority=national_secretariat.authority, actor=national_secretariat,
                                      email=f"expert{counter['n']}@example.cn", full_name=f"专家{counter['n']}",
                                      unit=unit, max_per_campaign=limit, password="Pass-word-2026", **kw)
    return add


def test_job_staffs_dossiers_without_conflicts_and_moves_them_to_portfolio_review(
        eligible, add_expert, run_job):
    apps = eligible(3, employer="南京市第一中学")
    same_unit = add_expert(unit="南京市 第一中学")  # same unit after normalising spaces
    declared = add_expert(conflict_units=["南京市第一中学"])
    others = [add_expert(limit=3) for _ in range(2)]
    job = run_job(apps[0].campaign)
    assert job.status == AssignmentJob.Status.DONE and job.progress == 100 and job.assigned == 6
    assert not job.unstaffed
    used = set(Assignment.objects.values_list("expert_id", flat=True))
    assert used == {x.pk for x in others} and same_unit.pk not in used and declared.pk not in used
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("status", flat=True)) == \
        {S.PORTFOLIO_REVIEW}
    # Re-running adds nothing: every dossier has its experts.
    again = run_job(apps[0].campaign)
    assert again.assigned == 0 and Assignment.objects.count() == 6


def test_unstaffable_dossiers_are_reported_and_a_rerun_fills_them(eligible, add_expert, run_job):
    apps = eligible(2)
    add_expert(limit=2)
    add_expert(limit=1)
    job = run_job(apps[0].campaign)
    assert job.assigned == 3 and len(job.unstaffed) == 1 and "容量" in job.unstaffed[0]["reason"]
    add_expert()
    run_job(apps[0].campaign)
    assert Assignment.objects.count() == 4


def test_manual_move_checks_conflict_and_limit(eligible, add_expert, national_secretariat):
    (app,) = eligible(1, employer="苏州中学")
    a1, a2 = add_expert(), add_expert()
    conflicted = add_expert(unit="苏州中学")
    full = add_expert(limit=1)
    services.assignment_run(campaign=app.campaign, actor=national_secretariat)
    assignment = Assignment.objects.filter(application=app).exclude(expert=full).first()
    with pytest.raises(ValidationError, match="同一单位"):
        services.assignment_move(assignment=assignment, to_expert=conflicted, actor=national_secretariat)
    spare = add_expert()
    moved = services.assignment_move(assignment=assignment, to_expert=spare, actor=national_secretariat)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.MOVED and moved.expert == spare
    assert {a1.pk, a2.pk, full.pk} >= set(Assignment.objects.filter(application=app, status="active")
                                          .exclude(expert=spare).values_list("expert_id", flat=True))


def test_declared_conflict_takes_the_dossier_away_and_replaces_the_expert(eligible, add_expert,
                                                                          national_secretariat):
    (app,) = eligible(1)
    experts = [add_expert() for _ in range(3)]
    services.assignment_run(campaign=app.campaign, actor=national_secretariat)
    first = Assignment.objects.filter(application=app).first()
    replacement = services.assignment_declare_conflict(assignment=first, actor=first.expert.user,
                                                       reason="申请人是我的学生")
    first.refresh_from_db()
    assert first.status == Assignment.Status.CONFLICT
    assert ExpertConflict.objects.filter(expert=first.expert, application=app).exists()
    assert replacement.expert in experts and replacement.expert != first.expert
    assert Assignment.objects.filter(application=app, status="active").count() == 2


def test_expert_pool_import_reports_bad_rows_by_number(client, national_secretariat):
    import tablib

    ds = tablib.Dataset(headers=["姓名", "电子邮箱", "工作单位", "所在省份", "所在市", "专业领域",
                                 "每次认证最多评审份数", "回避单位"])
    ds.append(["张专家", "zhang@example.cn", "南京大学", "江苏省", "南京市", "物理、化学", 20, "南京一中；南京二中"])
    ds.append(["", "bad-email", "某单位", "", "", "", 10, ""])
    ds.append(["李专家", "li@example.cn", "吉林大学", "火星", "", "", "x", ""])
    ds.append(["王专家", "wang@example.cn", "东北师大", "220000", "长春市", "", "", ""])
    client.force_login(national_secretariat)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post("/review/experts/", {"action": "import", "upload": SimpleUploadedFile(
        "experts.xlsx", ds.export("xlsx"))}).content.decode()
    assert "第 2 行" in page and "第 3 行" in page and "第 1 行" not in page and "第 4 行" not in page
    from reviews.models import Expert

    zhang = Expert.objects.get(full_name="张专家")
    assert zhang.specialties == ["物理", "化学"] and zhang.conflict_units == ["南京一中", "南京二中"]
    assert zhang.user.role == Role.EXPERT and zhang.max_per_campaign == 20
    assert Expert.objects.get(full_name="王专家").max_per_campaign == 30
    assert Expert.objects.count() == 2
    from certification.models import User

    assert not User.objects.filter(email="li@example.cn").exists()  # the bad row's account rolled back
