"""Checks a campaign's rule set before it is saved, so a secretariat's typo is a message, not a broken page.

The engine (`certification.eligibility`) reads these parameters; this module says in Chinese which one is
missing or wrong. Kind "manual" is a free-text condition that a reviewer always judges.
"""

from .eligibility import CRITERIA, EXCEPTIONAL
from .enums import AchievementCategory, ApplicantCategory, AwardGrade, Education, Level, Scope

MANUAL = "manual"


def _int(value, *, minimum=0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_params(rule: dict, where: str, errors: list[str]) -> None:
    kind = rule.get("kind")

    def need(ok: bool, message: str):
        if not ok:
            errors.append(f"{where}：{message}")

    if kind == "education":
        need(rule.get("min") in Education.values, f"min 须为 {'/'.join(Education.values)} 之一")
        if "relaxed_min" in rule:
            need(rule["relaxed_min"] in Education.values, "relaxed_min 须为学历代码")
            need(_int(rule.get("relax_age"), minimum=1), "放宽学历时须给出 relax_age（年龄，整数）")
    elif kind == "work_years":
        need(_int(rule.get("min_years")), "min_years 须为非负整数")
    elif kind == "prior_certification":
        need(rule.get("level") in (None, *Level.values), "level 须为 junior/intermediate/senior")
        need(rule.get("obtained_by_year") is None or _int(rule.get("obtained_by_year"), minimum=1900),
             "obtained_by_year 须为年份")
        code = rule.get("authority_province")
        need(code is None or (isinstance(code, str) and len(code) == 6 and code.isdigit()),
             "authority_province 须为6位省级行政区划代码")
    elif kind == "training_hours":
        need(_number(rule.get("min_hours")), "min_hours 须为非负数")
        need(rule.get("min_cast_hours") is None or _number(rule.get("min_cast_hours")), "min_cast_hours 须为非负数")
    elif kind == "achievements":
        items = rule.get("items")
        if not isinstance(items, list) or not items:
            need(False, "items 须为非空列表")
            return
        need(_int(rule.get("min_count", 1), minimum=1) and rule.get("min_count", 1) <= len(items),
             f"min_count 须为 1 到 {len(items)} 之间的整数")
        for i, item in enumerate(items, 1):
            for option in [item, *item.get("also", [])] if isinstance(item, dict) else [item]:
                if not isinstance(option, dict):
                    need(False, f"第{i}项格式不正确")
                    continue
                need(option.get("category") in AchievementCategory.values, f"第{i}项 category 不是已知的成果类别")
                window = option.get("window_years", item.get("window_years"))
                need(window is None or _int(window, minimum=1), f"第{i}项 window_years 须为正整数或 null")
                need(option.get("scope") in (None, *Scope.values), f"第{i}项 scope 不是已知的级别")
            need(bool(item.get("code")) if isinstance(item, dict) else False, f"第{i}项缺少 code")
    elif kind == "excluded_categories":
        cats = rule.get("categories")
        need(isinstance(cats, list) and cats and all(c in ApplicantCategory.values for c in cats),
             "categories 须为已知人员类别的非空列表")
    elif kind == "unit_not_barred":
        need(_int(rule.get("years", 3), minimum=1), "years 须为正整数")
    elif kind == "honour_title":
        need(bool(rule.get("title")), "须给出称号 title")
    elif kind == "contest_award":
        need(bool(rule.get("contest")), "须给出赛事名称 contest")
        need(_int(rule.get("held_from_year"), minimum=1900), "held_from_year 须为年份")
        need(rule.get("min_award", AwardGrade.THIRD) in AwardGrade.values, "min_award 不是已知的奖项等次")


def rule_set_errors(rules) -> list[str]:
    """Every problem of a rule set, in Chinese; an empty list means the engine can read it."""
    if rules in (None, {}):
        return []
    if not isinstance(rules, dict):
        return ["规则集须为对象：{\"criteria\": [...], \"exceptional\": [...]}。"]
    errors: list[str] = []
    unknown_keys = set(rules) - {"criteria", "exceptional"}
    if unknown_keys:
        errors.append(f"规则集含有未知的键：{'、'.join(sorted(unknown_keys))}。")
    seen: set[str] = set()
    sections = (("criteria", "报名条件", {*CRITERIA, "prior_certification", MANUAL}),
                ("exceptional", "破格条件", {*EXCEPTIONAL, MANUAL}))
    for key, label, kinds in sections:
        entries = rules.get(key, [])
        if not isinstance(entries, list):
            errors.append(f"{label}须为列表。")
            continue
        for n, rule in enumerate(entries, 1):
            where = f"{label}第{n}条"
            if not isinstance(rule, dict):
                errors.append(f"{where}格式不正确。")
                continue
            code = rule.get("code")
            if not code:
                errors.append(f"{where}缺少 code。")
            elif code in seen:
                errors.append(f"{where}的 code “{code}” 重复。")
            seen.add(code)
            if rule.get("kind") not in kinds:
                errors.append(f"{where}的类型 “{rule.get('kind')}” 不可用，可用类型：{'、'.join(sorted(kinds))}。")
                continue
            if not rule.get("text"):
                errors.append(f"{where}缺少给申请人看的条件说明 text。")
            _check_params(rule, where, errors)
    return errors
