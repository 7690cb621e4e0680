"""A unit whose applicant submitted fake materials cannot have applicants for 3 years [002 五、3]."""

import datetime as dt

import pytest

from applicants.eligibility import self_check
from certification.eligibility import Outcome
from certification.models import Province
from certification.services import unit_bar


def _unit_outcome(profile, campaign):
    result = self_check(profile=profile, campaign=campaign)
    return next(c for c in result.criteria if c.code == "unit_not_barred")


def test_bar_lasts_three_years_inclusive(db, seeded):
    unit = unit_bar(name="南京市第一中学", province=None, reason="申报材料虚假", actor=None,
                    barred_on=dt.date(2024, 3, 1))
    assert unit.barred_until == dt.date(2027, 2, 28)


@pytest.mark.parametrize("typed_name,barred", [
    ("南京市 第一中学", True),      # spacing typed differently is the same unit
    ("南京市第二中学", False),
])
def test_self_check_fails_an_applicant_of_a_barred_unit(demo, applicant, complete_profile, typed_name, barred):
    jiangsu = Province.objects.get(code="320000")
    unit_bar(name="南京市第一中学", province=jiangsu, reason="申报材料虚假", actor=None)
    profile = complete_profile(applicant, employer=typed_name)

    outcome = _unit_outcome(profile, demo["junior"])
    assert outcome.outcome == (Outcome.FAILED if barred else Outcome.PASSED)


def test_a_bar_in_another_province_does_not_apply(demo, applicant, complete_profile):
    unit_bar(name="南京市第一中学", province=Province.objects.get(code="220000"), reason="申报材料虚假", actor=None)
    profile = complete_profile(applicant)
    assert _unit_outcome(profile, demo["junior"]).outcome == Outcome.PASSED


def test_an_expired_bar_no_longer_applies(demo, applicant, complete_profile):
    campaign = demo["junior"]
    # Barred until the day before the application deadline: the bar is over by the time applications close.
    unit_bar(name="南京市第一中学", province=None, reason="申报材料虚假", actor=None,
             barred_on=campaign.application_end.replace(year=campaign.application_end.year - 3))
    profile = complete_profile(applicant)
    assert _unit_outcome(profile, campaign).outcome == Outcome.PASSED
