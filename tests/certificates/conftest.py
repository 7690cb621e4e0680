import datetime as dt
import zoneinfo

import pytest

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def load_holidays():
    """The data migration's holiday rows; a transactional test before this one may have flushed them."""
    from certification.models import CalendarYear, HolidayDay
    from certification.workdays import load_library_years

    load_library_years(calendar_year_model=CalendarYear, holiday_day_model=HolidayDay)


@pytest.fixture
def demo(db):
    from certification.seed import load_demo_campaigns, load_seed_campaigns

    load_holidays()
    load_seed_campaigns()
    return {c.level: c for c in load_demo_campaigns()}


@pytest.fixture
def certify(demo):
    """certify(campaign_level, n) → n applications of that demo campaign in status `certified`."""
    from certificates.demo import certify_demo_applicant

    counter = {"n": 0}

    def make(level="senior", n=1, names=None):
        out = []
        for i in range(n):
            counter["n"] += 1
            k = counter["n"]
            name = names[i] if names else f"持证人{k}"
            out.append(certify_demo_applicant(campaign=demo[level], email=f"holder{k}@example.cn", full_name=name,
                                              employer=f"第{k}中学", seq=300 + k))
        return out

    return make


@pytest.fixture
def supervisor(make_user):
    from certification.models import Role

    return make_user(Role.SUPERVISOR)


@pytest.fixture
def national_secretariat(demo, make_user):
    from certification.models import Role

    return make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")


@pytest.fixture
def closed_notice(demo, certify):
    """A senior demo campaign with 3 certified applicants whose notice ran 2024-09-29 … 2024-10-11 and ended."""
    from certificates import services

    apps = certify("senior", 3)
    notice = services.notice_schedule(campaign=demo["senior"], actor=None, starts_on=dt.date(2024, 9, 29),
                                      now=at(2024, 9, 29, 9))
    services.notices_advance(now=at(2024, 10, 12, 0, 5))
    notice.refresh_from_db()
    return notice, apps
