"""Seed data from the source notices in shared/seeds, loaded idempotently.

Every value here comes from a notice unless its field is listed in `example_fields` (or, for a rule,
carries "example": true): those are labelled 示例 on every page.
"""

import copy
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .enums import Level
from .models import Authority, Campaign, Province
from .provinces import PROVINCES

NATIONAL = "中国青少年科技教育工作者协会"
AUTHORITIES = [
    (NATIONAL, "全国协会", Authority.Kind.NATIONAL, None),
    ("吉林省青少年科技教育协会", "吉林省协会", Authority.Kind.PROVINCIAL, "220000"),
    ("江苏省青少年科技教育协会", "江苏省协会", Authority.Kind.PROVINCIAL, "320000"),
    ("甘肃省青少年科技教育协会", "甘肃省协会", Authority.Kind.PROVINCIAL, "620000"),
]

DECLARATION = {
    "code": "declaration", "kind": "declaration", "clause": "报名条件第1条",
    "text": "拥护中国共产党的领导，热爱祖国，遵纪守法；热爱青少年科技教育事业，具备良好的职业道德和敬业精神。",
}

# National senior 2023, 青科教发〔2023〕9号 附件1 第二条.
SENIOR_2023_RULES = {
    "criteria": [
        DECLARATION | {"clause": "第二条第1款"},
        {"code": "education", "kind": "education", "clause": "第二条第2款",
         "min": "bachelor", "relaxed_min": "associate", "relax_age": 50,
         "text": "原则上具有大学本科及以上学历；认证年度1月1日年满50周岁的申报者可放宽至大专学历。"},
        {"code": "work_years", "kind": "work_years", "clause": "第二条第2款", "min_years": 5,
         "part_time_counts": True, "text": "连续从事青少年科技辅导员工作5年以上。"},
        {"code": "prior_certification", "kind": "prior_certification", "clause": "第二条第2款",
         "level": "intermediate", "obtained_by_year": 2021, "authority_province": None,
         "text": "已于2021（含）年度前获得中级科技辅导员认证资格，不接受跨级申报。"},
        {"code": "achievements", "kind": "achievements", "clause": "第二条第3款", "min_count": 2,
         "text": "具备以下3项条件中任意2项。",
         "items": [
             {"code": "3.1", "category": "student_award", "window_years": 10, "scope": "national",
              "first_supervisor": True,
              "text": "近十年内，作为第一指导教师指导学生参加国家或者国际青少年科技竞赛获奖。"},
             {"code": "3.2", "category": "professional_award", "window_years": 10, "scope": "national",
              "also": [{"category": "counselor_honour", "scope": "provincial"}],
              "text": "近十年内，在国家级或国际科技教育相关专业评比活动获奖；或获得省部级以上（含）优秀科技辅导员表彰奖励。"},
             {"code": "3.3", "category": "research", "window_years": 10, "scope": "provincial",
              "also": [{"category": "paper", "scope": "national"}],
              "text": "近十年内，作为课题负责人或核心研究者参与完成省部级以上青少年科技教育研究成果；"
                      "或作为第一、第二作者在国家级期刊上发表青少年科技教育相关论文。"},
         ]},
    ],
    "exceptional": [
        {"code": "top_ten_counselor", "kind": "honour_title", "clause": "第二条第4款",
         "title": "十佳优秀科技辅导员", "contest": "全国青少年科技创新大赛", "free": True,
         "text": "曾在全国青少年科技创新大赛上获得“十佳优秀科技辅导员”称号的申报者可以申请直接认证为高级青少年科技辅导员。"},
    ],
}

# Jilin junior 2024, 2024年吉林省初级青少年科技辅导员专业水平认证实施细则 第三条.
JUNIOR_JILIN_2024_RULES = {
    "criteria": [
        DECLARATION | {"clause": "第三条第1款"},
        {"code": "work_years", "kind": "work_years", "clause": "第三条第2款", "min_years": 1,
         "part_time_counts": True, "text": "连续从事科技辅导员工作1年以上（含兼职）。"},
        {"code": "training_hours", "kind": "training_hours", "clause": "第三条第3款", "min_hours": 30,
         "min_cast_hours": 15, "certificate_required": True,
         "text": "参加线上或线下科技教育专业培训时间不少于30学时（其中科协系统的培训不少于15学时），并获得培训合格证书。"},
        {"code": "achievements", "kind": "achievements", "clause": "第三条第4款", "min_count": 1,
         "text": "具备以下2项条件中任意1项。",
         "items": [
             {"code": "4.1", "category": "student_activity", "window_years": 3, "first_supervisor": True,
              "text": "近三年内，本人作为第一指导教师指导学生开展过校内外科技活动。"},
             {"code": "4.2", "category": "research_or_course", "window_years": None,
              "text": "本人参与过青少年科技教育相关课题研究或课程开发。"},
         ]},
    ],
    "exceptional": [
        {"code": "normal_student_contest", "kind": "contest_award", "clause": "第三条第5款",
         "contest": "全国科学教育专业师范生教学技能创新大赛", "min_award": "third", "held_from_year": 2018,
         "free": True,
         "text": "曾在2018年以后举办的全国科学教育专业师范生教学技能创新大赛中获三等奖（含）以上的，可申请直接认证为初级青少年科技辅导员。"},
    ],
}

# Jiangsu 2024 (苏青科教发〔2025〕5号): the notice fixes the levels, cross-level, one level per year and the
# 3-year unit bar; it does not restate the junior criteria, so the Jilin junior criteria serve as the example.
JIANGSU_COMMON = [
    {"code": "one_level_per_year", "kind": "one_level_per_year", "clause": "二、认证级别第2款",
     "text": "申请人只可选择其中一个级别进行申报，且申报后不允许更换。"},
    {"code": "unit_not_barred", "kind": "unit_not_barred", "clause": "五、注意事项第3款", "years": 3,
     "text": "所在单位因申请人材料虚假被取消申报资格的，三年内不得申报。"},
]


def _as_example(rules: dict) -> dict:
    out = copy.deepcopy(rules)
    for item in out["criteria"] + out["exceptional"]:
        if item["kind"] != "declaration":
            item["example"] = True
    return out


JUNIOR_JIANGSU_2024_RULES = _as_example(JUNIOR_JILIN_2024_RULES)
JUNIOR_JIANGSU_2024_RULES["criteria"] += copy.deepcopy(JIANGSU_COMMON)

INTERMEDIATE_JIANGSU_2024_RULES = {
    "criteria": [
        DECLARATION,
        {"code": "work_years", "kind": "work_years", "clause": "示例条件", "min_years": 3,
         "part_time_counts": True, "example": True, "text": "连续从事科技辅导员工作3年以上（含兼职）。（示例）"},
        {"code": "training_hours", "kind": "training_hours", "clause": "示例条件", "min_hours": 60,
         "min_cast_hours": 30, "certificate_required": True, "example": True,
         "text": "参加科技教育专业培训不少于60学时（其中科协系统不少于30学时）。（示例）"},
        {"code": "achievements", "kind": "achievements", "clause": "示例条件", "min_count": 1, "example": True,
         "text": "具备以下3项条件中任意1项。（示例）",
         "items": [
             {"code": "A", "category": "student_award", "window_years": 5, "scope": "provincial",
              "first_supervisor": True,
              "text": "近五年内，作为第一指导教师指导学生参加省级以上青少年科技竞赛获奖。"},
             {"code": "B", "category": "professional_award", "window_years": 5, "scope": "provincial",
              "text": "近五年内，在省级以上科技教育相关专业评比活动获奖。"},
             {"code": "C", "category": "research", "window_years": 5, "scope": "municipal",
              "also": [{"category": "paper", "scope": "municipal"}],
              "text": "近五年内，参与完成市级以上青少年科技教育研究课题或发表相关论文。"},
         ]},
        {"code": "cross_level", "kind": "cross_level", "clause": "二、认证级别第2款",
         "text": "2024年可跨级申请中级，无需先取得初级认证。"},
    ] + copy.deepcopy(JIANGSU_COMMON),
    "exceptional": [],
}

SENIOR_ASPECTS = [
    {"code": "guidance", "name": "学生科技项目指导能力", "max": 20},
    {"code": "professional", "name": "个人专业能力", "max": 15},
    {"code": "research", "name": "个人研究能力", "max": 20},
    {"code": "training", "name": "培训工作经验", "max": 15},
    {"code": "course", "name": "课程开发经验", "max": 15},
    {"code": "activity", "name": "科技活动组织经验", "max": 15},
]
JUNIOR_ASPECTS = [
    {"code": "activity", "name": "学生科技活动指导", "max": 40},
    {"code": "professional", "name": "专业评比与研究", "max": 30},
    {"code": "training", "name": "培训学习", "max": 30},
]

JIANGSU_CONTACTS = [
    {"role": "专业水平认证联系人", "name": "刘天源、徐颖", "phone": "025-86670701、025-86670189",
     "email": "jssciedu@163.com"},
    {"role": "申报平台技术咨询", "name": "韩老师", "phone": "18911522009", "email": "hyc@zhongkefu.com.cn"},
]

SEED_CAMPAIGNS = [
    {
        "slug": "national-senior-2023", "title": "2023年全国高级青少年科技辅导员专业水平认证",
        "authority": NATIONAL, "province": None, "level": Level.SENIOR, "year": 2023,
        "source_notice": "青科教发〔2023〕9号（甘青教发〔2023〕3号转发）",
        "summary": "面向全国已获中级认证的科技辅导员，经资格审查、业绩成果评审、笔试和答辩四个环节认证高级科技辅导员。",
        "application_start": dt.date(2023, 5, 5), "application_end": dt.date(2023, 6, 10),
        "exam_date": dt.date(2023, 7, 14), "exam_note": "2023年7月14日（周五）上午，在线笔试",
        "defense_start": dt.date(2023, 9, 1), "defense_end": dt.date(2023, 9, 30),
        "defense_note": "9月，远程视频连线答辩",
        "results_note": "评审结束后，申报者可在平台查询本人成绩及排名。",
        "fee": Decimal("500.00"), "member_rate": Decimal("0.70"), "exceptional_track_free": True,
        "weight_portfolio": 50, "weight_exam": 15, "weight_defense": 35, "has_exam": True, "has_defense": True,
        "portfolio_aspects": SENIOR_ASPECTS,
        "shortlist_mode": Campaign.CutoffMode.PROPORTION, "shortlist_value": Decimal("60"),
        "pass_mode": Campaign.CutoffMode.PROPORTION, "pass_value": Decimal("50"),
        "tie_rule": Campaign.TieRule.INCLUDE_ALL, "notice_working_days": 5,
        "contacts": [
            {"role": "工作咨询", "name": "张增", "phone": "010-68516005", "email": "zhangzeng@cast.org.cn"},
            {"role": "认证平台技术咨询", "name": "李旭", "phone": "13641258182", "email": "info@makerclass.cn"},
            {"role": "甘肃省转发联系人", "name": "马莲莲", "phone": "0931-6184271", "email": ""},
        ],
        "certificate_issuers": NATIONAL, "electronic_certificate": True, "paper_certificate": True,
        "allows_cross_level": False, "eligibility_rules": SENIOR_2023_RULES,
        "example_fields": ["portfolio_aspects", "shortlist_value", "pass_value", "tie_rule", "notice_working_days",
                           "defense_start", "defense_end"],
    },
    {
        "slug": "jilin-junior-2024", "title": "2024年吉林省初级青少年科技辅导员专业水平认证",
        "authority": "吉林省青少年科技教育协会", "province": "220000", "level": Level.JUNIOR, "year": 2024,
        "source_notice": "2024年吉林省初级青少年科技辅导员专业水平认证实施细则（试行）",
        "summary": "吉林省初级认证：资格审查后按业绩和成果评审计分（100%），公示5个工作日后颁发电子证书。",
        "application_start": dt.date(2024, 8, 5), "application_end": dt.date(2024, 9, 8),
        "results_note": "11月公布认证名单",
        "fee": Decimal("100.00"), "member_rate": Decimal("1.00"), "exceptional_track_free": True,
        "weight_portfolio": 100, "weight_exam": 0, "weight_defense": 0, "has_exam": False, "has_defense": False,
        "portfolio_aspects": JUNIOR_ASPECTS,
        "shortlist_mode": Campaign.CutoffMode.PROPORTION, "shortlist_value": None,
        "pass_mode": Campaign.CutoffMode.MIN_SCORE, "pass_value": Decimal("60"),
        "tie_rule": Campaign.TieRule.INCLUDE_ALL, "notice_working_days": 5, "contacts": [],
        "certificate_issuers": f"{NATIONAL}、吉林省青少年科技教育协会",
        "electronic_certificate": True, "paper_certificate": False, "allows_cross_level": False,
        "eligibility_rules": JUNIOR_JILIN_2024_RULES,
        "example_fields": ["fee", "member_rate", "portfolio_aspects", "pass_mode", "pass_value"],
    },
    {
        "slug": "jiangsu-junior-2024", "title": "2024年江苏省初级青少年科技辅导员专业水平认证",
        "authority": "江苏省青少年科技教育协会", "province": "320000", "level": Level.JUNIOR, "year": 2024,
        "source_notice": "苏青科教发〔2025〕5号",
        "summary": "江苏省初级认证：完成材料提交并在线缴费后申报完成；设笔试，无答辩。",
        "application_start": dt.date(2025, 1, 20), "application_end": dt.date(2025, 3, 3),
        "exam_note": "2025年3-4月，在线笔试，具体安排另行通知",
        "fee": Decimal("100.00"), "member_rate": Decimal("0.70"), "exceptional_track_free": True,
        "weight_portfolio": 70, "weight_exam": 30, "weight_defense": 0, "has_exam": True, "has_defense": False,
        "portfolio_aspects": JUNIOR_ASPECTS,
        "shortlist_mode": Campaign.CutoffMode.PROPORTION, "shortlist_value": None,
        "pass_mode": Campaign.CutoffMode.MIN_SCORE, "pass_value": Decimal("60"),
        "tie_rule": Campaign.TieRule.INCLUDE_ALL, "notice_working_days": 5, "contacts": JIANGSU_CONTACTS,
        "certificate_issuers": "江苏省青少年科技教育协会", "electronic_certificate": True,
        "paper_certificate": False, "allows_cross_level": False,
        "eligibility_rules": JUNIOR_JIANGSU_2024_RULES,
        "example_fields": ["member_rate", "weight_portfolio", "weight_exam", "portfolio_aspects", "pass_mode",
                           "pass_value", "notice_working_days", "paper_certificate"],
    },
    {
        "slug": "jiangsu-intermediate-2024", "title": "2024年江苏省中级青少年科技辅导员专业水平认证",
        "authority": "江苏省青少年科技教育协会", "province": "320000", "level": Level.INTERMEDIATE,
        "year": 2024, "source_notice": "苏青科教发〔2025〕5号",
        "summary": "江苏省中级认证：2024年可跨级申请中级；设笔试和视频答辩。",
        "application_start": dt.date(2025, 1, 20), "application_end": dt.date(2025, 3, 3),
        "exam_note": "2025年3-4月，在线笔试，具体安排另行通知",
        "defense_start": dt.date(2025, 3, 1), "defense_end": dt.date(2025, 4, 30),
        "defense_note": "2025年3-4月，视频问辩，具体安排另行通知",
        "fee": Decimal("200.00"), "member_rate": Decimal("0.70"), "exceptional_track_free": True,
        "weight_portfolio": 50, "weight_exam": 20, "weight_defense": 30, "has_exam": True, "has_defense": True,
        "portfolio_aspects": JUNIOR_ASPECTS,
        "shortlist_mode": Campaign.CutoffMode.PROPORTION, "shortlist_value": Decimal("70"),
        "pass_mode": Campaign.CutoffMode.MIN_SCORE, "pass_value": Decimal("60"),
        "tie_rule": Campaign.TieRule.INCLUDE_ALL, "notice_working_days": 5, "contacts": JIANGSU_CONTACTS,
        "certificate_issuers": "江苏省青少年科技教育协会", "electronic_certificate": True,
        "paper_certificate": False, "allows_cross_level": True,
        "eligibility_rules": INTERMEDIATE_JIANGSU_2024_RULES,
        "example_fields": ["fee", "member_rate", "weight_portfolio", "weight_exam", "weight_defense",
                           "portfolio_aspects", "shortlist_value", "pass_mode", "pass_value", "tie_rule",
                           "notice_working_days", "paper_certificate", "defense_start", "defense_end"],
    },
]


@transaction.atomic
def load_reference_data() -> None:
    for code, name, short in PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name": name, "short_name": short})
    for name, short, kind, province_code in AUTHORITIES:
        Authority.objects.update_or_create(
            name=name,
            defaults={"short_name": short, "kind": kind,
                      "province": Province.objects.get(code=province_code) if province_code else None},
        )


def _upsert_campaign(data: dict, *, refresh: bool, **overrides) -> Campaign:
    """Create the campaign if missing; overwrite it from the seed data only when `refresh` is asked for.

    A plain re-run (as the compose web command does at every start) must not undo what a secretariat
    edited or put the status back to published.
    """
    data = {**copy.deepcopy(data), **overrides}
    slug = data.pop("slug")
    data["authority"] = Authority.objects.get(name=data["authority"])
    data["province"] = Province.objects.get(code=data["province"]) if data["province"] else None
    status = data.pop("status", Campaign.Status.PUBLISHED)
    if refresh:
        campaign, created = Campaign.objects.update_or_create(slug=slug, defaults=data,
                                                              create_defaults={**data, "status": status})
    else:
        campaign, created = Campaign.objects.get_or_create(slug=slug, defaults={**data, "status": status})
    campaign.full_clean()
    return campaign


@transaction.atomic
def load_seed_campaigns(*, refresh: bool = False) -> list[Campaign]:
    """Provinces, authorities and the four campaigns of the notices. Safe to run again.

    With `refresh`, existing seed campaigns take the seed data again (their status is kept).
    """
    load_reference_data()
    return [_upsert_campaign(data, refresh=refresh) for data in SEED_CAMPAIGNS]


DEMO_SOURCES = {
    Level.JUNIOR: "jiangsu-junior-2024",
    Level.INTERMEDIATE: "jiangsu-intermediate-2024",
    Level.SENIOR: "national-senior-2023",
}


@transaction.atomic
def load_demo_campaigns(*, today: dt.date | None = None) -> list[Campaign]:
    """One clearly labelled 演示 campaign per level whose application window is open today.

    Built from the seed rule sets, with the windows shifted so that a newcomer can walk the whole flow.
    """
    today = today or timezone.localdate()
    by_slug = {c["slug"]: c for c in SEED_CAMPAIGNS}
    out = []
    for level, source_slug in DEMO_SOURCES.items():
        src = by_slug[source_slug]
        start = today - dt.timedelta(days=14)
        end = today + dt.timedelta(days=45)
        overrides = {
            "slug": f"demo-{level}", "is_demo": True, "year": today.year,
            # Seed titles start with their year ("2023年…"): swap it for this year's.
            "title": f"【演示】{today.year}年{src['title'].split('年', 1)[1]}",
            "summary": "演示活动：仅供体验完整流程，不产生真实认证结果。" + src["summary"],
            "application_start": start, "application_end": end,
            "exam_date": end + dt.timedelta(days=20) if src.get("exam_date") or src["has_exam"] else None,
            "exam_note": "演示：报名截止后约20天在线笔试" if src["has_exam"] else "",
            "defense_start": end + dt.timedelta(days=40) if src["has_defense"] else None,
            "defense_end": end + dt.timedelta(days=55) if src["has_defense"] else None,
            "defense_note": "演示：远程视频答辩" if src["has_defense"] else "",
            "source_notice": f"演示数据，规则取自：{src['source_notice']}",
        }
        # Demo windows move with today, so they are always refreshed.
        out.append(_upsert_campaign(src, refresh=True, **overrides))
    return out
