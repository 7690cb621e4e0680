"""A secretariat edits a campaign's rule set as data; mistakes come back as Chinese messages, not broken pages."""

import json

import pytest
from django.core.exceptions import ValidationError

from certification.eligibility import ApplicantFacts, Outcome, evaluate
from certification.rule_schema import rule_set_errors
from certification.seed import SEED_CAMPAIGNS

from .test_campaign_management import _form_data


@pytest.mark.parametrize("seed", SEED_CAMPAIGNS, ids=lambda c: c["slug"])
def test_every_seed_rule_set_is_valid(seed):
    assert rule_set_errors(seed["eligibility_rules"]) == []


@pytest.mark.parametrize("rules,expected", [
    ({"criteria": [{"code": "w", "kind": "work_year", "text": "工作年限"}]}, "类型 “work_year” 不可用"),
    ({"criteria": [{"code": "w", "kind": "work_years", "text": "工作年限"}]}, "min_years 须为非负整数"),
    ({"criteria": [{"code": "w", "kind": "work_years", "min_years": 1}]}, "缺少给申请人看的条件说明 text"),
    ({"criteria": [{"code": "a", "kind": "declaration", "text": "声明"},
                   {"code": "a", "kind": "declaration", "text": "声明"}]}, "code “a” 重复"),
    ({"criteria": [{"code": "t", "kind": "training_hours", "text": "培训", "min_hours": "30"}]},
     "min_hours 须为非负数"),
    ({"criteria": [{"code": "a", "kind": "achievements", "text": "成果", "min_count": 3,
                    "items": [{"code": "1", "category": "research"}, {"code": "2", "category": "paper"}]}]},
     "min_count 须为 1 到 2 之间的整数"),
    ({"criteria": [{"code": "a", "kind": "achievements", "text": "成果",
                    "items": [{"code": "1", "category": "awards"}]}]}, "第1项 category 不是已知的成果类别"),
    ({"exceptional": [{"code": "c", "kind": "contest_award", "text": "破格", "contest": "某大赛"}]},
     "held_from_year 须为年份"),
    ({"exceptional": [{"code": "c", "kind": "work_years", "text": "破格", "min_years": 1}]},
     "类型 “work_years” 不可用"),
    ({"criteria": {}}, "报名条件须为列表"),
])
def test_mistakes_are_named_in_chinese(rules, expected):
    errors = rule_set_errors(rules)
    assert any(expected in e for e in errors), errors


def test_campaign_clean_refuses_a_broken_rule_set(seeded):
    campaign = seeded["jilin-junior-2024"]
    campaign.eligibility_rules = {"criteria": [{"code": "w", "kind": "work_years", "text": "工作年限"}]}
    with pytest.raises(ValidationError) as exc:
        campaign.full_clean()
    assert "min_years" in str(exc.value.message_dict["eligibility_rules"])


def test_a_manual_condition_is_always_left_to_the_reviewer():
    rules = {"criteria": [{"code": "m", "kind": "manual", "text": "近三年年度考核合格。"}]}
    assert rule_set_errors(rules) == []
    import datetime as dt

    result = evaluate(campaign_rules=rules, campaign_level="junior", campaign_year=2026,
                      application_deadline=dt.date(2026, 4, 15), facts=ApplicantFacts())
    assert result.criteria[0].outcome == Outcome.NEEDS_REVIEW


def test_the_campaign_form_shows_rule_errors_and_keeps_the_input(seeded, client, jiangsu_secretariat):
    from certification.models import Campaign

    broken = json.dumps({"criteria": [{"code": "w", "kind": "work_years", "text": "工作年限"}]}, ensure_ascii=False)
    client.force_login(jiangsu_secretariat)
    response = client.post("/workbench/campaigns/new/", _form_data(eligibility_rules=broken))
    page = response.content.decode()
    assert response.status_code == 200
    assert "min_years 须为非负整数" in page
    assert "2026年江苏省初级青少年科技辅导员专业水平认证" in page  # the title typed is still there
    assert not Campaign.objects.filter(slug="jiangsu-junior-2026").exists()
