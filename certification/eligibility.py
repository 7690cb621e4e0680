"""The eligibility engine: a campaign's rule set (data, see README "Rule sets") applied to an applicant's facts.

`evaluate()` is pure: it reads only its arguments, never the database, so the self-check page, the
submission gate and the secretariat's eligibility review all get the same answer from the same facts.
Every time window counts back from the campaign's application deadline, and every boundary is inclusive
as the notices word it ("5年以上", "2021（含）年度前", "三等奖（含）以上").
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import models

# The shared vocabularies live in `certification.enums`; they are re-exported here for the engine's callers.
from .enums import AchievementCategory, ApplicantCategory, AwardGrade, Education, Level, Scope  # noqa: F401
from .idcard import age_on
from .provinces import province_name


class Outcome(models.TextChoices):
    PASSED = "passed", "符合"
    NEEDS_REVIEW = "needs_review", "待人工审核"
    FAILED = "failed", "不符合"


def _rank(choices: type[models.TextChoices], value) -> int | None:
    values = [c.value for c in choices]
    return values.index(value) if value in values else None


# ---------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class PriorCertification:
    level: str  # Level
    year: int
    authority_province_code: str | None = None  # None: certified by the national association


@dataclass(frozen=True)
class TrainingRecord:
    hours: Decimal
    by_cast_system: bool  # organised within the S&T association (科协) system
    has_certificate: bool
    name: str = ""


@dataclass(frozen=True)
class Achievement:
    category: str  # AchievementCategory
    date: dt.date | None
    scope: str | None = None  # Scope; None when the applicant did not say
    # None: the applicant was not asked (an entry made before the form asked), so a rule needing it is undecided.
    as_first_supervisor: bool | None = False
    title: str = ""


@dataclass(frozen=True)
class ContestAward:
    contest: str
    grade: str  # AwardGrade
    held_year: int


@dataclass(frozen=True)
class ApplicantFacts:
    """Everything the rules look at, gathered by the caller (profile, dossier, registries)."""

    declaration_accepted: bool = False
    birth_date: dt.date | None = None
    education: str | None = None  # Education
    work_start_date: dt.date | None = None  # start of the current continuous counselor work
    work_part_time: bool = False  # part-time years count unless a rule says `part_time_counts: false`
    prior_certifications: tuple[PriorCertification, ...] = ()
    trainings: tuple[TrainingRecord, ...] = ()
    achievements: tuple[Achievement, ...] = ()
    honours: tuple[str, ...] = ()
    contest_awards: tuple[ContestAward, ...] = ()
    categories: frozenset[str] = frozenset()  # ApplicantCategory
    unit_barred_until: dt.date | None = None
    # Levels of the applicant's active (not withdrawn) applications of the same year in OTHER campaigns.
    other_applications_this_year: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CriterionResult:
    code: str
    clause: str
    outcome: str  # Outcome
    message_zh: str
    kind: str = ""
    text: str = ""  # the rule as the notice words it
    example: bool = False  # the rule is an example value, not given by a notice


@dataclass(frozen=True)
class EligibilityResult:
    outcome: str  # Outcome of the regular criteria
    criteria: tuple[CriterionResult, ...]
    exceptional_results: tuple[CriterionResult, ...] = ()
    exceptional: tuple[str, ...] = field(default=())  # codes of the exceptional tracks met

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASSED

    @property
    def declaration_accepted(self) -> bool:
        return all(c.outcome == Outcome.PASSED for c in self.criteria if c.kind == "declaration")

    @property
    def may_apply(self) -> bool:
        """The applicant may start an application: regular criteria not failed, or an exceptional track met."""
        return self.declaration_accepted and (self.outcome != Outcome.FAILED or bool(self.exceptional))

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.outcome == Outcome.FAILED)

    @property
    def needs_review(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.outcome == Outcome.NEEDS_REVIEW)


# ---------------------------------------------------------------------------------------------- helpers


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February falls back to 1 March, as in `age_on`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def _d(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _level_label(level) -> str:
    return Level(level).label if level in Level.values else str(level)


def _province_name(code: str | None) -> str:
    if not code:
        return "全国协会"
    return province_name(code)


def _label(choices: type[models.TextChoices], value) -> str:
    return choices(value).label if value in choices.values else str(value)


@dataclass(frozen=True)
class _Context:
    rules: dict
    level: str
    year: int
    deadline: dt.date
    today: dt.date
    facts: ApplicantFacts


def _result(rule: dict, outcome: str, detail: str) -> CriterionResult:
    clause = rule.get("clause", "")
    return CriterionResult(
        code=rule.get("code", rule.get("kind", "")), clause=clause, outcome=outcome,
        message_zh=f"{clause}：{detail}" if clause else detail, kind=rule.get("kind", ""),
        text=rule.get("text", ""), example=bool(rule.get("example")),
    )


# ------------------------------------------------------------------------------------------ the criteria


def _declaration(rule, ctx):
    if ctx.facts.declaration_accepted:
        return _result(rule, Outcome.PASSED, "已作出思想政治与职业道德承诺（本人声明）。")
    return _result(rule, Outcome.FAILED, "尚未勾选并确认思想政治与职业道德承诺。")


def _education(rule, ctx):
    f = ctx.facts
    required = _rank(Education, rule.get("min", Education.BACHELOR))
    have = _rank(Education, f.education)
    if have is None:
        return _result(rule, Outcome.FAILED, "未填写最高学历，无法判断学历条件。")
    label = _label(Education, f.education)
    if have >= required:
        return _result(rule, Outcome.PASSED, f"{label}学历，符合“{_label(Education, rule.get('min'))}及以上”的要求。")
    relaxed, relax_age = rule.get("relaxed_min"), rule.get("relax_age")
    if relaxed and relax_age is not None and have >= _rank(Education, relaxed):
        if f.birth_date is None:
            return _result(rule, Outcome.FAILED, f"{label}学历须年满{relax_age}周岁方可放宽，但未填写出生日期。")
        jan1 = dt.date(ctx.year, 1, 1)
        age = age_on(f.birth_date, jan1)
        if age >= relax_age:
            return _result(rule, Outcome.PASSED,
                           f"认证年度1月1日已满{relax_age}周岁，{label}学历符合放宽条件。")
        return _result(rule, Outcome.FAILED,
                       f"{label}学历仅适用于认证年度1月1日（{_d(jan1)}）年满{relax_age}周岁的申报者，"
                       f"当日您为{age}周岁。")
    return _result(rule, Outcome.FAILED,
                   f"{label}学历不符合“{_label(Education, rule.get('min'))}及以上”的要求。")


def _work_years(rule, ctx):
    f = ctx.facts
    need = int(rule["min_years"])
    if f.work_start_date is None:
        return _result(rule, Outcome.FAILED, "未填写从事科技辅导员工作的起始日期。")
    # Notice 000 says "连续从事青少年科技辅导员工作5年以上" and notice 001 "（含兼职）": no notice asks for
    # full-time work, so part-time years count unless a secretariat's rule set says otherwise.
    if f.work_part_time and not rule.get("part_time_counts", True):
        return _result(rule, Outcome.FAILED, "本条件要求连续专职从事科技辅导员工作，兼职经历不计入。")
    since = years_before(ctx.deadline, need)
    if f.work_start_date <= since:
        years = age_on(f.work_start_date, ctx.deadline)
        return _result(rule, Outcome.PASSED, f"自{_d(f.work_start_date)}起连续从事科技辅导员工作，"
                                             f"至报名截止日已满{years}年（要求{need}年以上）。")
    return _result(rule, Outcome.FAILED, f"至报名截止日（{_d(ctx.deadline)}）连续工作不满{need}年，"
                                         f"须在{_d(since)}（含）以前开始从事该工作。")


def _prior_certification(rule, ctx, *, cross_level: dict | None):
    required_level = rule.get("level") or Level.values[max(Level.rank(ctx.level) - 1, 0)]
    label = _level_label(required_level)
    if cross_level is not None:
        return _result(rule, Outcome.PASSED, f"本次认证允许跨级申报，无需先取得{label}认证。")
    by_year, province = rule.get("obtained_by_year"), rule.get("authority_province")
    held = [c for c in ctx.facts.prior_certifications
            if c.level in Level.values and Level.rank(c.level) >= Level.rank(required_level)]
    if not held:
        return _result(rule, Outcome.FAILED, f"须已取得{label}认证，未填写{label}认证记录（不接受跨级申报）。")
    if province:
        in_province = [c for c in held if c.authority_province_code == province]
        if not in_province:
            return _result(rule, Outcome.FAILED, f"须持有{_province_name(province)}认证的{label}证书，"
                                                 f"现有{label}认证由{_province_name(held[0].authority_province_code)}颁发。")
        held = in_province
    if by_year is not None:
        in_time = [c for c in held if c.year <= by_year]
        if not in_time:
            first = min(c.year for c in held)
            return _result(rule, Outcome.FAILED,
                           f"{label}认证取得于{first}年，须于{by_year}年（含）以前取得。")
        held = in_time
    best = min(held, key=lambda c: c.year)
    return _result(rule, Outcome.PASSED,
                   f"已于{best.year}年取得{_province_name(best.authority_province_code)}{label}认证，符合条件。")


def _training_hours(rule, ctx):
    need, need_cast = Decimal(str(rule["min_hours"])), Decimal(str(rule.get("min_cast_hours") or 0))
    certified_only = rule.get("certificate_required", False)
    records = [t for t in ctx.facts.trainings if t.has_certificate or not certified_only]
    uncounted = sum((Decimal(str(t.hours)) for t in ctx.facts.trainings if t not in records), Decimal(0))
    total = sum((Decimal(str(t.hours)) for t in records), Decimal(0))
    cast = sum((Decimal(str(t.hours)) for t in records if t.by_cast_system), Decimal(0))
    note = f"（另有{uncounted:g}学时无培训合格证书，不计入）" if uncounted else ""
    if total < need:
        return _result(rule, Outcome.FAILED, f"培训合计{total:g}学时{note}，不足{need:g}学时。")
    if cast < need_cast:
        return _result(rule, Outcome.FAILED, f"其中科协系统培训{cast:g}学时{note}，不足{need_cast:g}学时。")
    return _result(rule, Outcome.PASSED,
                   f"培训合计{total:g}学时，其中科协系统{cast:g}学时，并有培训合格证书，符合条件。")


def _achievement_outcome(item: dict, a: Achievement, ctx) -> str | None:
    """PASSED if `a` satisfies the item, NEEDS_REVIEW if only the missing data could tell, None if it does not."""
    options = [item, *item.get("also", [])]
    undecided = False
    for option in options:
        if a.category != option["category"]:
            continue
        supervisor_unknown = bool(option.get("first_supervisor")) and a.as_first_supervisor is None
        if option.get("first_supervisor") and a.as_first_supervisor is False:
            continue
        window = option.get("window_years", item.get("window_years"))
        if a.date is None:
            if window is not None:  # "近N年" cannot be judged without a date; "参与过" can.
                undecided = True
                continue
        elif a.date > ctx.deadline or a.date > ctx.today:
            continue
        elif window is not None and a.date < years_before(ctx.deadline, int(window)):
            continue
        scope = option.get("scope")
        if scope:
            have = _rank(Scope, a.scope)
            if have is None:
                undecided = True
                continue
            if have > _rank(Scope, scope):
                continue
        if supervisor_unknown:
            undecided = True
            continue
        return Outcome.PASSED
    return Outcome.NEEDS_REVIEW if undecided else None


def _achievements(rule, ctx):
    need = int(rule.get("min_count", 1))
    items = rule.get("items", [])
    met, maybe = [], []
    for item in items:
        outcomes = {_achievement_outcome(item, a, ctx) for a in ctx.facts.achievements}
        if Outcome.PASSED in outcomes:
            met.append(item["code"])
        elif Outcome.NEEDS_REVIEW in outcomes:
            maybe.append(item["code"])
    of = f"（{len(items)}项中须具备任意{need}项）"
    listing = "、".join(f"第{c}项" for c in met)
    if len(met) >= need:
        return _result(rule, Outcome.PASSED, f"具备{listing}{of}，符合条件。")
    if len(met) + len(maybe) >= need:
        pending = "、".join(f"第{c}项" for c in maybe)
        return _result(rule, Outcome.NEEDS_REVIEW,
                       f"已具备{len(met)}项{of}；{pending}的成果缺少日期、级别或“是否第一指导教师”，需审核材料后确定。")
    got = f"仅具备{listing}" if met else "未具备任何一项"
    return _result(rule, Outcome.FAILED,
                   f"{got}{of}。时间范围自报名截止日（{_d(ctx.deadline)}）向前计算。")


def _excluded_categories(rule, ctx):
    hit = [c for c in rule.get("categories", []) if c in ctx.facts.categories]
    if hit:
        names = "、".join(_label(ApplicantCategory, c) for c in hit)
        return _result(rule, Outcome.FAILED, f"{names}不能申报{_level_label(ctx.level)}认证。")
    return _result(rule, Outcome.PASSED, f"不属于不得申报{_level_label(ctx.level)}认证的人员类别。")


def _one_level_per_year(rule, ctx):
    others = ctx.facts.other_applications_this_year
    if others:
        names = "、".join(_level_label(level) for level in others)
        return _result(rule, Outcome.FAILED,
                       f"{ctx.year}年度已申报{names}认证。同一年度只能申报一个级别，且申报后不允许更换"
                       "（已提交后取消报名的，该年度级别仍保留）。")
    return _result(rule, Outcome.PASSED, f"{ctx.year}年度未申报其他级别。")


def _unit_not_barred(rule, ctx):
    until = ctx.facts.unit_barred_until
    if until is not None and until >= ctx.deadline:
        return _result(rule, Outcome.FAILED, f"所在单位因申请人材料虚假被取消申报资格至{_d(until)}，"
                                             f"{rule.get('years', 3)}年内不得申报。")
    return _result(rule, Outcome.PASSED, "所在单位不在取消申报资格期内。")


def _cross_level(rule, ctx):
    return _result(rule, Outcome.PASSED, f"本次认证允许跨级申报{_level_label(ctx.level)}。")


# ------------------------------------------------------------------------------------ exceptional tracks


def _honour_title(rule, ctx):
    title = rule["title"]
    if any(title in honour for honour in ctx.facts.honours):
        return _result(rule, Outcome.PASSED, f"曾获“{title}”称号，可申请直接认证（须审核证书）。")
    return _result(rule, Outcome.FAILED, f"未获“{title}”称号。")


def _contest_award(rule, ctx):
    contest, min_award, from_year = rule["contest"], rule.get("min_award", AwardGrade.THIRD), rule["held_from_year"]
    best_rank = _rank(AwardGrade, min_award)
    # The Jilin notice says "2018年以后举办"; in Chinese usage "以后" after a year usually includes that year,
    # and the same notice writes "三等奖（含）以上" for the grade, so 2018 is treated as included. Doubtful.
    for award in ctx.facts.contest_awards:
        rank = _rank(AwardGrade, award.grade)
        if contest in award.contest and rank is not None and rank <= best_rank and award.held_year >= from_year:
            return _result(rule, Outcome.PASSED, f"{award.held_year}年{contest}{_label(AwardGrade, award.grade)}，"
                                                 "可申请直接认证（须审核获奖证书）。")
    return _result(rule, Outcome.FAILED, f"未在{from_year}年以后举办的{contest}中获"
                                         f"{_label(AwardGrade, min_award)}（含）以上。")


CRITERIA = {
    "declaration": _declaration,
    "education": _education,
    "work_years": _work_years,
    "training_hours": _training_hours,
    "achievements": _achievements,
    "excluded_categories": _excluded_categories,
    "one_level_per_year": _one_level_per_year,
    "unit_not_barred": _unit_not_barred,
    "cross_level": _cross_level,
}
EXCEPTIONAL = {"honour_title": _honour_title, "contest_award": _contest_award}
KINDS = {*CRITERIA, "prior_certification", *EXCEPTIONAL}


def _overall(results: Iterable[CriterionResult]) -> str:
    outcomes = {r.outcome for r in results}
    if Outcome.FAILED in outcomes:
        return Outcome.FAILED
    if Outcome.NEEDS_REVIEW in outcomes:
        return Outcome.NEEDS_REVIEW
    return Outcome.PASSED


def evaluate(*, campaign_rules: dict, campaign_level: str, campaign_year: int, application_deadline: dt.date,
             facts: ApplicantFacts, today: dt.date | None = None) -> EligibilityResult:
    """Apply a rule set to the facts. Pure: no database access.

    `today` only stops achievements dated in the future from counting (defaults to the deadline).
    An unknown rule kind gives NEEDS_REVIEW, so a secretariat's new rule is never silently passed.
    """
    ctx = _Context(rules=campaign_rules or {}, level=campaign_level, year=campaign_year,
                   deadline=application_deadline, today=today or application_deadline, facts=facts)
    criteria = ctx.rules.get("criteria", [])
    cross_level = next((r for r in criteria if r.get("kind") == "cross_level"), None)
    results = []
    for rule in criteria:
        kind = rule.get("kind")
        if kind == "prior_certification":
            results.append(_prior_certification(rule, ctx, cross_level=cross_level))
        elif kind == "manual":
            results.append(_result(rule, Outcome.NEEDS_REVIEW, "该条件由秘书处审核申报材料后判断。"))
        elif kind in CRITERIA:
            results.append(CRITERIA[kind](rule, ctx))
        else:
            results.append(_result(rule, Outcome.NEEDS_REVIEW, f"条件类型“{kind}”无法自动判断，需人工审核。"))
    exceptional_results = []
    for rule in ctx.rules.get("exceptional", []):
        kind = rule.get("kind")
        if kind in EXCEPTIONAL:
            exceptional_results.append(EXCEPTIONAL[kind](rule, ctx))
        else:
            exceptional_results.append(_result(rule, Outcome.NEEDS_REVIEW, f"破格条件“{kind}”需人工审核。"))
    return EligibilityResult(
        outcome=_overall(results), criteria=tuple(results), exceptional_results=tuple(exceptional_results),
        exceptional=tuple(r.code for r in exceptional_results if r.outcome == Outcome.PASSED),
    )


def evaluate_campaign(*, campaign, facts: ApplicantFacts, today: dt.date | None = None) -> EligibilityResult:
    """`evaluate()` for a Campaign instance (or anything with the same attributes)."""
    return evaluate(campaign_rules=campaign.eligibility_rules, campaign_level=campaign.level,
                    campaign_year=campaign.year, application_deadline=campaign.application_end, facts=facts,
                    today=today)


@dataclass(frozen=True)
class CampaignEligibility:
    campaign: object
    result: EligibilityResult


def levels_open_to(facts: ApplicantFacts, campaigns: Iterable, *, active_applications: Iterable = (),
                   today: dt.date | None = None) -> list[CampaignEligibility]:
    """Evaluate the facts against each campaign, lowest level first, for a self-check page.

    `active_applications` are the applicant's non-withdrawn applications (anything with `campaign_id`,
    `level` and `year`, e.g. Application rows); for each campaign, those of the same year in other
    campaigns fill `other_applications_this_year`, so facts may leave that field empty.
    Use `[e for e in levels_open_to(...) if e.result.may_apply]` for the levels the applicant may apply for.
    """
    active = list(active_applications)
    out = []
    for campaign in sorted(campaigns, key=lambda c: (Level.rank(c.level), c.year)):
        others = tuple(a.level for a in active if a.year == campaign.year and a.campaign_id != campaign.pk)
        campaign_facts = replace(facts, other_applications_this_year=others) if active else facts
        out.append(CampaignEligibility(campaign=campaign,
                                       result=evaluate_campaign(campaign=campaign, facts=campaign_facts,
                                                                today=today)))
    return out
