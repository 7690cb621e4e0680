# Review tests build applicants the way the applicant tests do.
import datetime as dt

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
