"""Every clause of every seed rule set, with the boundaries the notices draw, through the pure engine."""

import copy
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest

from certification import seed
from certification.eligibility import (
    Achievement,
    ApplicantFacts,
    ContestAward,
    Outcome,
    PriorCertification,
    TrainingRecord,
    evaluate,
    evaluate_campaign,
    levels_open_to,
)

D = dt.date
P, F, R = Outcome.PASSED, Outcome.FAILED, Outcome.NEEDS_REVIEW


def award(category, date, scope=None, first=False):
    return Achievement(category=category, date=date, scope=scope, as_first_supervisor=first)


def training(hours, cast, certificate=True):
    return TrainingRecord(hours=Decimal(hours), by_cast_system=cast, has_certificate=certificate)


# National senior 2023: deadline 2023-06-10, so "近十年" starts 2013-06-10 and 50 is reached by 1973-01-01.
SENIOR = dict(rules=seed.SENIOR_2023_RULES, level="senior", year=2023, deadline=D(2023, 6, 10))
SENIOR_FACTS = ApplicantFacts(
    declaration_accepted=True, birth_date=D(1980, 5, 1), education="bachelor", work_start_date=D(2015, 1, 1),
    prior_certifications=(PriorCertification("intermediate", 2020),),
    achievements=(award("professional_award", D(2019, 5, 1), "national"),),  # 3.2 only: one more is needed
)
ONE_MORE_SENIOR = award("research", D(2020, 1, 1), "provincial")  # 3.3

# Jilin junior 2024: deadline 2024-09-08.
JILIN = dict(rules=seed.JUNIOR_JILIN_2024_RULES, level="junior", year=2024, deadline=D(2024, 9, 8))
JUNIOR_FACTS = ApplicantFacts(
    declaration_accepted=True, birth_date=D(1995, 3, 1), education="associate", work_start_date=D(2022, 1, 1),
    work_part_time=True, trainings=(training(15, True), training(15, False)),
    achievements=(award("student_activity", D(2023, 4, 1), "school", first=True),),
)

# Jiangsu 2024: deadline 2025-03-03.
JIANGSU_JUNIOR = dict(rules=seed.JUNIOR_JIANGSU_2024_RULES, level="junior", year=2024, deadline=D(2025, 3, 3))
JIANGSU_INTERMEDIATE = dict(rules=seed.INTERMEDIATE_JIANGSU_2024_RULES, level="intermediate", year=2024,
                            deadline=D(2025, 3, 3))
INTERMEDIATE_FACTS = ApplicantFacts(
    declaration_accepted=True, birth_date=D(1985, 3, 1), education="bachelor", work_start_date=D(2020, 9, 1),
    work_part_time=True, trainings=(training(30, True), training(30, False)),
    achievements=(award("student_award", D(2023, 5, 1), "provincial", first=True),),
)

# Jiangsu senior is not seeded; the notice says it needs a Jiangsu intermediate certification and excludes
# kindergarten teachers and university students. This example rule set says exactly that.
JIANGSU_SENIOR_RULES = {
    "criteria": [
        seed.DECLARATION,
        {"code": "prior_certification", "kind": "prior_certification", "clause": "二、认证级别第4款",
         "level": "intermediate", "obtained_by_year": None, "authority_province": "320000",
         "text": "申请高级必须通过江苏省青少年科技辅导员中级认证。"},
        {"code": "excluded_categories", "kind": "excluded_categories", "clause": "二、认证级别第4款",
         "categories": ["kindergarten_teacher", "university_student"],
         "text": "幼儿园教师，在高校科学教育相关专业就读的专科生、本科生、研究生及博士生无法申报高级认证。"},
    ],
    "exceptional": [],
}
JIANGSU_SENIOR = dict(rules=JIANGSU_SENIOR_RULES, level="senior", year=2024, deadline=D(2025, 3, 3))
JIANGSU_SENIOR_FACTS = ApplicantFacts(
    declaration_accepted=True, categories=frozenset({"school_teacher"}),
    prior_certifications=(PriorCertification("intermediate", 2022, "320000"),),
)


def run(campaign, facts, today=None):
    return evaluate(campaign_rules=campaign["rules"], campaign_level=campaign["level"],
                    campaign_year=campaign["year"], application_deadline=campaign["deadline"], facts=facts,
                    today=today)


def outcome_of(result, code):
    (found,) = [c for c in result.criteria + result.exceptional_results if c.code == code]
    return found


CASES = [
    # --- senior 2023, 第二条第1款 declaration
    ("senior", SENIOR, SENIOR_FACTS, {"declaration_accepted": True}, "declaration", P),
    ("senior", SENIOR, SENIOR_FACTS, {"declaration_accepted": False}, "declaration", F),
    # --- 第二条第2款 education: bachelor+, associate only when 50 on 1 January 2023
    ("senior", SENIOR, SENIOR_FACTS, {"education": "bachelor"}, "education", P),
    ("senior", SENIOR, SENIOR_FACTS, {"education": "doctor"}, "education", P),
    ("senior", SENIOR, SENIOR_FACTS, {"education": "associate", "birth_date": D(1973, 1, 1)}, "education", P),
    ("senior", SENIOR, SENIOR_FACTS, {"education": "associate", "birth_date": D(1973, 1, 2)}, "education", F),
    ("senior", SENIOR, SENIOR_FACTS, {"education": "below_associate", "birth_date": D(1950, 1, 1)}, "education", F),
    ("senior", SENIOR, SENIOR_FACTS, {"education": None}, "education", F),
    # --- 5 years of continuous work up to the deadline; notice 000 never says 专职, so part-time years count
    ("senior", SENIOR, SENIOR_FACTS, {"work_start_date": D(2018, 6, 10)}, "work_years", P),
    ("senior", SENIOR, SENIOR_FACTS, {"work_start_date": D(2018, 6, 11)}, "work_years", F),
    ("senior", SENIOR, SENIOR_FACTS, {"work_start_date": D(2010, 1, 1), "work_part_time": True}, "work_years", P),
    ("senior", SENIOR, SENIOR_FACTS, {"work_start_date": D(2018, 6, 11), "work_part_time": True}, "work_years", F),
    ("senior", SENIOR, SENIOR_FACTS, {"work_start_date": None}, "work_years", F),
    # --- intermediate certification in 2021 or earlier, no cross-level
    ("senior", SENIOR, SENIOR_FACTS, {"prior_certifications": (PriorCertification("intermediate", 2021),)},
     "prior_certification", P),
    ("senior", SENIOR, SENIOR_FACTS, {"prior_certifications": (PriorCertification("intermediate", 2022),)},
     "prior_certification", F),
    ("senior", SENIOR, SENIOR_FACTS, {"prior_certifications": (PriorCertification("intermediate", 2019, "320000"),)},
     "prior_certification", P),
    ("senior", SENIOR, SENIOR_FACTS, {"prior_certifications": (PriorCertification("junior", 2015),)},
     "prior_certification", F),
    ("senior", SENIOR, SENIOR_FACTS, {"prior_certifications": ()}, "prior_certification", F),
    # --- 第二条第3款: 2 of 3, each within 10 years of 2023-06-10
    ("senior", SENIOR, SENIOR_FACTS, {"achievements": SENIOR_FACTS.achievements + (ONE_MORE_SENIOR,)},
     "achievements", P),
    ("senior", SENIOR, SENIOR_FACTS, {}, "achievements", F),
    *[("senior", SENIOR, SENIOR_FACTS,
       {"achievements": SENIOR_FACTS.achievements + (award("student_award", day, "national", first=True),)},
       "achievements", expected)
      for day, expected in [(D(2013, 6, 10), P), (D(2013, 6, 9), F), (D(2023, 6, 10), P), (D(2023, 6, 11), F)]],
    *[("senior", SENIOR, SENIOR_FACTS,
       {"achievements": SENIOR_FACTS.achievements + (award("student_award", D(2020, 1, 1), scope, first=first),)},
       "achievements", expected)
      for scope, first, expected in [("international", True, P), ("national", True, P), ("provincial", True, F),
                                     ("national", False, F), (None, True, R)]],
    # 3.2 is also met by a provincial "excellent counselor" honour; 3.3 by a paper in a national journal.
    *[("senior", SENIOR, SENIOR_FACTS, {"achievements": (ONE_MORE_SENIOR, extra)}, "achievements", expected)
      for extra, expected in [(award("counselor_honour", D(2018, 1, 1), "provincial"), P),
                              (award("counselor_honour", D(2018, 1, 1), "municipal"), F),
                              (award("professional_award", D(2018, 1, 1), "provincial"), F)]],
    *[("senior", SENIOR, SENIOR_FACTS, {"achievements": SENIOR_FACTS.achievements + (extra,)}, "achievements",
       expected)
      for extra, expected in [(award("paper", D(2016, 1, 1), "national"), P),
                              (award("paper", D(2016, 1, 1), "provincial"), F),
                              (award("research", D(2016, 1, 1), "municipal"), F)]],
    # --- 第二条第4款 exceptional: 十佳优秀科技辅导员
    ("senior", SENIOR, SENIOR_FACTS, {"honours": ("全国青少年科技创新大赛十佳优秀科技辅导员",)},
     "top_ten_counselor", P),
    ("senior", SENIOR, SENIOR_FACTS, {"honours": ("优秀科技辅导员",)}, "top_ten_counselor", F),

    # --- Jilin junior 2024, 第三条
    ("jilin", JILIN, JUNIOR_FACTS, {"declaration_accepted": False}, "declaration", F),
    ("jilin", JILIN, JUNIOR_FACTS, {}, "declaration", P),
    ("jilin", JILIN, JUNIOR_FACTS, {"work_start_date": D(2023, 9, 8)}, "work_years", P),
    ("jilin", JILIN, JUNIOR_FACTS, {"work_start_date": D(2023, 9, 9)}, "work_years", F),
    ("jilin", JILIN, JUNIOR_FACTS, {"work_start_date": D(2023, 1, 1), "work_part_time": True}, "work_years", P),
    *[("jilin", JILIN, JUNIOR_FACTS, {"trainings": records}, "training_hours", expected)
      for records, expected in [
          ((training(15, True), training(15, False)), P),
          ((training(15, True), training(14, False)), F),  # 29 in total
          ((training(14, True), training(16, False)), F),  # 14 from the S&T association system
          ((training("14.5", True), training("0.5", True), training(15, False)), P),
          ((training(30, True),), P),
          ((training(15, True), training(15, False, certificate=False)), F),  # no certificate, not counted
          ((), F),
      ]],
    *[("jilin", JILIN, JUNIOR_FACTS, {"achievements": (extra,)}, "achievements", expected)
      for extra, expected in [
          (award("student_activity", D(2021, 9, 8), first=True), P),  # 3 years back from 2024-09-08
          (award("student_activity", D(2021, 9, 7), first=True), F),
          (award("student_activity", D(2024, 9, 8), first=True), P),
          (award("student_activity", D(2024, 9, 9), first=True), F),
          (award("student_activity", D(2023, 1, 1), first=False), F),
          (award("research_or_course", D(2005, 1, 1)), P),  # 4.2 has no time window
          (award("research_or_course", None), P),
          (award("student_activity", None, first=True), R),
      ]],
    *[("jilin", JILIN, JUNIOR_FACTS, {"contest_awards": (ContestAward(contest, grade, year),)},
       "normal_student_contest", expected)
      for contest, grade, year, expected in [
          ("全国科学教育专业师范生教学技能创新大赛", "third", 2018, P),  # "2018年以后" read as including 2018
          ("全国科学教育专业师范生教学技能创新大赛", "third", 2017, F),
          ("第五届全国科学教育专业师范生教学技能创新大赛", "special", 2022, P),
          ("全国科学教育专业师范生教学技能创新大赛", "second", 2020, P),
          ("全国科学教育专业师范生教学技能创新大赛", "excellence", 2020, F),
          ("全国科学教育专业师范生教学技能创新大赛", "honourable_mention", 2020, F),
          ("全国青少年科技创新大赛", "first", 2020, F),
      ]],

    # --- Jiangsu junior 2024: the Jilin criteria as examples plus the Jiangsu notice's own clauses
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {}, "declaration", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"declaration_accepted": False}, "declaration", F),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"work_start_date": D(2024, 3, 3)}, "work_years", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"work_start_date": D(2024, 3, 4)}, "work_years", F),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"trainings": (training(15, True), training(14, False))},
     "training_hours", F),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"trainings": (training(15, True), training(15, False))},
     "training_hours", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS,
     {"achievements": (award("student_activity", D(2022, 3, 3), first=True),)}, "achievements", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS,
     {"achievements": (award("student_activity", D(2022, 3, 2), first=True),)}, "achievements", F),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS,
     {"contest_awards": (ContestAward("全国科学教育专业师范生教学技能创新大赛", "first", 2019),)},
     "normal_student_contest", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS,
     {"contest_awards": (ContestAward("全国科学教育专业师范生教学技能创新大赛", "first", 2017),)},
     "normal_student_contest", F),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"other_applications_this_year": ()}, "one_level_per_year", P),
    ("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"other_applications_this_year": ("intermediate",)},
     "one_level_per_year", F),
    *[("jiangsu-junior", JIANGSU_JUNIOR, JUNIOR_FACTS, {"unit_barred_until": until}, "unit_not_barred", expected)
      for until, expected in [(None, P), (D(2025, 3, 2), P), (D(2025, 3, 3), F), (D(2027, 12, 31), F)]],

    # --- Jiangsu intermediate 2024 (example criteria), cross-level allowed
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {}, "declaration", P),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"declaration_accepted": False},
     "declaration", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"work_start_date": D(2022, 3, 3)},
     "work_years", P),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"work_start_date": D(2022, 3, 4)},
     "work_years", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS,
     {"trainings": (training(30, True), training(29, False))}, "training_hours", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS,
     {"trainings": (training(29, True), training(31, False))}, "training_hours", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS,
     {"trainings": (training(30, True), training(30, False))}, "training_hours", P),
    *[("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"achievements": (extra,)},
       "achievements", expected)
      for extra, expected in [
          (award("student_award", D(2020, 3, 3), "provincial", first=True), P),  # 5 years back from 2025-03-03
          (award("student_award", D(2020, 3, 2), "provincial", first=True), F),
          (award("student_award", D(2023, 1, 1), "municipal", first=True), F),
          (award("professional_award", D(2023, 1, 1), "national"), P),
          (award("research", D(2023, 1, 1), "municipal"), P),
          (award("research", D(2023, 1, 1), "county"), F),
      ]],
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {}, "cross_level", P),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"other_applications_this_year": ("junior",)},
     "one_level_per_year", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"other_applications_this_year": ()},
     "one_level_per_year", P),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"unit_barred_until": D(2025, 3, 3)},
     "unit_not_barred", F),
    ("jiangsu-intermediate", JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS, {"unit_barred_until": D(2025, 3, 2)},
     "unit_not_barred", P),

    # --- Jiangsu senior (example rule set above)
    ("jiangsu-senior", JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS, {}, "declaration", P),
    ("jiangsu-senior", JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS, {"declaration_accepted": False}, "declaration", F),
    ("jiangsu-senior", JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS, {}, "prior_certification", P),
    *[("jiangsu-senior", JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS, {"prior_certifications": (cert,)},
       "prior_certification", expected)
      for cert, expected in [(PriorCertification("intermediate", 2022, None), F),
                             (PriorCertification("intermediate", 2022, "220000"), F),
                             (PriorCertification("junior", 2022, "320000"), F)]],
    *[("jiangsu-senior", JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS, {"categories": frozenset(categories)},
       "excluded_categories", expected)
      for categories, expected in [({"school_teacher"}, P), ({"kindergarten_teacher"}, F),
                                   ({"university_student"}, F), ((), P)]],
]


@pytest.mark.parametrize(("name", "campaign", "base", "changes", "code", "expected"), CASES,
                         ids=[f"{c[0]}-{c[4]}-{i}" for i, c in enumerate(CASES)])
def test_criterion(name, campaign, base, changes, code, expected):
    result = outcome_of(run(campaign, replace(base, **changes)), code)
    assert result.outcome == expected, result.message_zh
    assert result.message_zh.startswith(result.clause + "："), "each message names the clause of the notice"


@pytest.mark.parametrize(("name", "campaign"), [("senior", SENIOR), ("jilin", JILIN),
                                                ("jiangsu-junior", JIANGSU_JUNIOR),
                                                ("jiangsu-intermediate", JIANGSU_INTERMEDIATE),
                                                ("jiangsu-senior", JIANGSU_SENIOR)])
def test_every_clause_of_the_rule_set_is_tested(name, campaign):
    rules = campaign["rules"]
    codes = {r["code"] for r in rules["criteria"] + rules["exceptional"]}
    tested = {c[4] for c in CASES if c[0] == name}
    for code in codes:
        outcomes = {c[5] for c in CASES if c[0] == name and c[4] == code}
        assert code in tested, f"{name}: {code} has no case"
        if code != "cross_level":  # a permission, it cannot fail
            assert {P, F} <= outcomes, f"{name}: {code} needs a passing and a failing case"


@pytest.mark.parametrize(("campaign", "facts"), [(SENIOR, replace(SENIOR_FACTS, achievements=(
    SENIOR_FACTS.achievements + (ONE_MORE_SENIOR,)))), (JILIN, JUNIOR_FACTS), (JIANGSU_JUNIOR, JUNIOR_FACTS),
    (JIANGSU_INTERMEDIATE, INTERMEDIATE_FACTS), (JIANGSU_SENIOR, JIANGSU_SENIOR_FACTS)])
def test_good_applicant_passes_every_rule_set(campaign, facts):
    result = run(campaign, facts)
    assert result.outcome == P, [c.message_zh for c in result.criteria if c.outcome != P]
    assert result.may_apply


def test_overall_outcome_failed_beats_review_beats_passed():
    undecided = award("student_award", D(2020, 1, 1), None, first=True)
    review = run(SENIOR, replace(SENIOR_FACTS, achievements=SENIOR_FACTS.achievements + (undecided,)))
    assert review.outcome == R and [c.code for c in review.needs_review] == ["achievements"]
    failed = run(SENIOR, replace(SENIOR_FACTS, education="associate",
                                 achievements=SENIOR_FACTS.achievements + (undecided,)))
    assert failed.outcome == F and [c.code for c in failed.failed] == ["education"]
    assert not failed.may_apply


def test_senior_education_message_names_the_clause_and_the_relaxation():
    result = run(SENIOR, replace(SENIOR_FACTS, education="associate", birth_date=D(1973, 1, 1)))
    assert outcome_of(result, "education").message_zh == "第二条第2款：认证年度1月1日已满50周岁，大专学历符合放宽条件。"
    failed = run(SENIOR, replace(SENIOR_FACTS, education="associate", birth_date=D(1973, 1, 2)))
    assert "当日您为49周岁" in outcome_of(failed, "education").message_zh


def test_exceptional_track_lets_an_otherwise_ineligible_applicant_apply():
    facts = replace(JUNIOR_FACTS, trainings=(), contest_awards=(
        ContestAward("全国科学教育专业师范生教学技能创新大赛", "third", 2018),))
    result = run(JILIN, facts)
    assert result.outcome == F
    assert result.exceptional == ("normal_student_contest",)
    assert result.may_apply
    # The declaration is still needed on the exceptional track.
    assert not run(JILIN, replace(facts, declaration_accepted=False)).may_apply


def test_cross_level_waives_a_prior_certification_rule_only_where_the_campaign_allows_it():
    rules = copy.deepcopy(seed.INTERMEDIATE_JIANGSU_2024_RULES)
    rules["criteria"].append({"code": "prior_certification", "kind": "prior_certification", "clause": "示例条件",
                              "level": "junior", "obtained_by_year": None, "authority_province": None})
    with_cross = run(JIANGSU_INTERMEDIATE | {"rules": rules}, INTERMEDIATE_FACTS)
    assert outcome_of(with_cross, "prior_certification").outcome == P
    rules["criteria"] = [r for r in rules["criteria"] if r["kind"] != "cross_level"]
    without = run(JIANGSU_INTERMEDIATE | {"rules": rules}, INTERMEDIATE_FACTS)
    assert outcome_of(without, "prior_certification").outcome == F
    assert "未填写初级认证记录" in outcome_of(without, "prior_certification").message_zh
    holder = run(JIANGSU_INTERMEDIATE | {"rules": rules},
                 replace(INTERMEDIATE_FACTS, prior_certifications=(PriorCertification("junior", 2023, "320000"),)))
    assert outcome_of(holder, "prior_certification").outcome == P


def test_unknown_rule_kind_is_never_silently_passed():
    rules = {"criteria": [seed.DECLARATION, {"code": "new", "kind": "member_of_party", "clause": "第9条"}],
             "exceptional": []}
    result = run(JILIN | {"rules": rules}, JUNIOR_FACTS)
    assert result.outcome == R


def test_achievement_after_today_does_not_count_before_the_deadline():
    later = award("student_activity", D(2024, 9, 1), first=True)
    assert run(JILIN, replace(JUNIOR_FACTS, achievements=(later,)), today=D(2024, 8, 20)).outcome == F
    assert run(JILIN, replace(JUNIOR_FACTS, achievements=(later,)), today=D(2024, 9, 2)).outcome == P


def test_evaluate_does_not_touch_the_database(seeded, django_assert_num_queries):
    campaign = seeded["jiangsu-intermediate-2024"]
    with django_assert_num_queries(0):
        result = evaluate_campaign(campaign=campaign, facts=INTERMEDIATE_FACTS)
    assert result.outcome == P


def test_levels_open_to_uses_the_other_active_applications_of_the_year(seeded):
    junior, intermediate = seeded["jiangsu-junior-2024"], seeded["jiangsu-intermediate-2024"]
    facts = replace(INTERMEDIATE_FACTS, achievements=INTERMEDIATE_FACTS.achievements + (
        award("student_activity", D(2024, 5, 1), first=True),))
    open_levels = levels_open_to(facts, [intermediate, junior])
    assert [e.campaign.level for e in open_levels] == ["junior", "intermediate"]
    assert all(e.result.may_apply for e in open_levels)

    draft = SimpleNamespace(campaign_id=junior.pk, level="junior", year=2024)
    open_levels = {e.campaign.level: e.result for e in levels_open_to(facts, [junior, intermediate],
                                                                       active_applications=[draft])}
    assert open_levels["junior"].may_apply  # its own application does not count against it
    assert not open_levels["intermediate"].may_apply
    assert "2024年度已申报初级认证" in outcome_of(open_levels["intermediate"], "one_level_per_year").message_zh
    # An application of another year does not count.
    old = SimpleNamespace(campaign_id=-1, level="junior", year=2023)
    assert all(e.result.may_apply for e in levels_open_to(facts, [junior, intermediate], active_applications=[old]))
