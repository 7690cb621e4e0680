# Review tests build applicants the way the applicant tests do.
import datetime as dt
from decimal import Decimal

import pytest

from tests.applicants.conftest import complete_profile, demo, pdf_bytes, senior_draft, upload  # noqa: F401


@pytest.fixture
def national_secretariat(make_user, demo):  # noqa: F811
    from certification.models import Role

    return make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")


@pytest.fixture
def make_under_review(make_user, complete_profile, demo):  # noqa: F811
    """A paid senior demo application (under eligibility review) of a new applicant at `employer`."""
    from applicants import services

    counter = {"n": 0}

    def make(*, employer="南京市第一中学", campaign=None, pdf=None, track="regular", full_name=None):
        counter["n"] += 1
        n = counter["n"]
        campaign = campaign or demo["senior"]
        user = make_user(full_name=full_name or f"申请人{n}")
        profile = complete_profile(user, first17=f"32010219800101{n:03d}", employer=employer)
        if track == "exceptional":
            profile.honours.create(kind="title", title="十佳优秀科技辅导员", contest="全国青少年科技创新大赛",
                                   year=campaign.year - 2)
        app = services.application_start(applicant=user, campaign=campaign, exceptional=track == "exceptional")
        services.dossier_entry_add(
            application=app, item_code="B1",
            fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                    "project": f"项目{n}", "award": "一等奖"},
            occurred_on=campaign.application_end - dt.timedelta(days=400),
            attachment=upload("award.pdf", pdf or pdf_bytes(pages=1 + n % 7)), actor=user)
        # 3.3 met by a provincial research result, so the engine lets the dossier be submitted (2 of 3).
        services.dossier_entry_add(
            application=app, item_code="B3",
            fields={"title": f"青少年科学探究课题{n}", "funder": "江苏省教育科学规划办", "summary": "课题研究"},
            occurred_on=campaign.application_end - dt.timedelta(days=900),
            attachment=upload("research.pdf", pdf_bytes(pages=20 + n)), actor=user, scope="provincial")
        services.dossier_scan_save(application=app, scan=upload("scan.pdf", pdf_bytes()), actor=user)
        services.application_submit(application=app, actor=user)
        app.refresh_from_db()
        if app.status == "submitted":  # the exceptional track is free and enters review on submission
            services.application_mark_paid(application=app)
            app.refresh_from_db()
        return app

    return make


@pytest.fixture
def senior(seeded):
    """National senior 2023: portfolio 50, exam 15, defense 35; shortlist and pass by proportion."""
    return seeded["national-senior-2023"]


@pytest.fixture
def scored(db, seeded, make_user):
    """An application already in a scored stage with its final stage scores (test set-up, not a service)."""
    from django.utils import timezone

    from applicants.models import ApplicantProfile, Application
    from certification.models import Province
    from reviews.models import StageScore

    counter = {"n": 0}

    def make(campaign, status, *, portfolio=None, exam=None, defense=None, absent=(), unit="某市实验中学",
             province="320000", submitted_minutes=0, name=None, user=None):
        counter["n"] += 1
        n = counter["n"]
        user = user or make_user(full_name=name or f"申请人{n}")
        prov = Province.objects.get(code=province)
        ApplicantProfile.objects.update_or_create(
            user=user, defaults={"full_name": user.full_name, "employer": unit, "province": prov})
        application = Application.objects.create(
            applicant=user, campaign=campaign, level=campaign.level, year=campaign.year, status=status,
            number=f"T{campaign.pk:03d}{n:05d}",
            submitted_at=timezone.make_aware(dt.datetime(2023, 6, 1, 8, 0)) + dt.timedelta(minutes=submitted_minutes),
            profile_snapshot={"full_name": user.full_name, "employer": unit, "province": prov.name})
        for stage, score in (("portfolio", portfolio), ("exam", exam), ("defense", defense)):
            if stage in absent:
                StageScore.objects.create(application=application, stage=stage, absent=True)
            elif score is not None:
                StageScore.objects.create(application=application, stage=stage, score=Decimal(str(score)))
        return application

    return make


def set_rules(campaign, **fields):
    """Change a campaign's rule fields the way a secretariat's edit would (full_clean, then save)."""
    for k, v in fields.items():
        setattr(campaign, k, v)
    campaign.full_clean()
    campaign.save()
    return campaign
