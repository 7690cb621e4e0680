"""What a dossier holds, per level: tables, their columns and limits (申报书 B/C of notice 000 附件2 for
senior, the evidence categories of notice 001 for junior and intermediate).

Data, not code paths: templates, forms, the PDF and the services all read these definitions.
"""

import datetime as dt
from dataclasses import dataclass, field

from certification.enums import Level


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    title: str
    date_label: str
    columns: tuple[Column, ...]
    attachment_label: str
    max_entries: int = 3
    max_chars: int = 100
    window_years: int | None = None
    # Which rule-set category (certification seed `achievements.items[].category`) this table evidences.
    categories: tuple[str, ...] = field(default_factory=tuple)
    # When the table holds more than one kind of result, the applicant picks one: (category, label) pairs.
    category_choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # The table does not itself say "作为第一指导教师" but a rule needs it: the entry form asks.
    asks_first_supervisor: bool = False
    note: str = ""

    def categories_of(self, entry) -> tuple[str, ...]:
        """The rule-set categories one entry of this table evidences."""
        chosen = getattr(entry, "achievement_category", "")
        if self.category_choices and chosen in {c for c, _ in self.category_choices}:
            return (chosen,)
        return self.categories


def _cols(*pairs):
    return tuple(Column(k, v) for k, v in pairs)


SENIOR_ITEMS = (
    Item("B1", "B", "近十年内，本人作为第一指导教师指导学生参加国家级、省部级以上青少年科技竞赛获奖情况", "参赛时间",
         _cols(("competition", "科技竞赛名称"), ("organiser", "主办机构"), ("student", "获奖学生姓名"),
               ("project", "参评项目名称及内容"), ("award", "学生获得的奖项名称及等次")),
         "证书扫描件", window_years=10, categories=("student_award",)),
    Item("B2", "B", "近十年内，本人参加国家级、省部级以上科技教育相关专业评比活动获奖情况", "举办时间",
         _cols(("activity", "专业评比活动名称"), ("organiser", "主办机构"), ("project", "参评项目名称"),
               ("award", "获得的奖项名称及等次")),
         "证书扫描件", window_years=10, categories=("professional_award",),
         category_choices=(("professional_award", "科技教育相关专业评比活动获奖"),
                           ("counselor_honour", "优秀科技辅导员（科技教师）表彰奖励")),
         note="含获得省部级以上（含）优秀科技辅导员或科技教师表彰奖励：请在“成果类别”中选择“优秀科技辅导员"
              "（科技教师）表彰奖励”，并在“级别”中选择表彰单位的级别。"),
    Item("B3", "B", "近十年内，本人参加青少年科技教育的研究成果情况", "研究（出版发表）时间",
         _cols(("title", "课题/论文/专著名称"), ("funder", "立项单位/刊物名称"), ("summary", "课题或出版发表内容简介")),
         "课题立项书、发表的论文全文、出版专著的封面版权说明页和目录", window_years=10, categories=("research",)),
    Item("C4", "C", "近五年内，本人在科技辅导员培训工作方面的主要业绩", "培训时间",
         _cols(("name", "培训名称"), ("organiser", "主办单位"), ("place", "培训地点"),
               ("trainees", "培训学员情况（学段、学科专长、人数等）"), ("topic", "主讲题目及内容简介")),
         "培训讲义样例、培训邀请函", max_chars=200, window_years=5),
    Item("C5", "C", "近五年内，本人参与科技教育课程开发工作的主要成果", "开发时间",
         _cols(("name", "课程名称"), ("audience", "适用年级/学段"), ("region", "课程使用地区范围"),
               ("summary", "课程简介")),
         "课程大纲、样章", max_chars=200, window_years=5),
    Item("C6", "C", "近五年内，本人在策划、组织开展区域性青少年科技教育活动的主要成果", "开展时间",
         _cols(("name", "活动名称"), ("place", "开展地点"),
               ("summary", "科技活动简介（主题、内容、形式、参与对象、活动范围等）")),
         "活动方案或者新闻", max_chars=200, window_years=5),
)

_GENERIC = _cols(("name", "名称"), ("organiser", "主办单位或组织方"), ("summary", "内容及成绩简介"))
JUNIOR_ITEMS = (
    Item("E1", "E", "本人作为指导教师，组织指导学生参加科技竞赛或科技活动取得成绩", "时间", _GENERIC, "证明材料",
         max_chars=200, categories=("student_activity", "student_award"), asks_first_supervisor=True),
    Item("E2", "E", "本人参加科技辅导员专业评比活动（活动方案设计、教具研发、论文、师范生教学技能创新大赛等）取得成绩",
         "时间", _GENERIC, "证明材料", max_chars=200, categories=("professional_award",)),
    Item("E3", "E", "本人参与青少年科技教育相关课题、成果及撰写并发表论文的情况", "时间", _GENERIC, "证明材料",
         max_chars=200, categories=("research", "research_or_course")),
    Item("E4", "E", "本人在带动、辐射和指导本地区科技辅导员培训、参与课程开发、策划组织区域性科技教育活动的情况",
         "时间", _GENERIC, "证明材料", max_chars=200, categories=("research_or_course",)),
    Item("E5", "E", "参加青少年科技教育相关培训情况", "培训时间", _GENERIC, "培训合格证书", max_chars=200),
    Item("E6", "E", "其他可证明科技辅导员方面的工作业绩和成果的材料", "时间", _GENERIC, "证明材料", max_chars=200),
)

SECTIONS = {
    "B": "B、认证资格材料",
    "C": "C、认证业绩材料",
    "E": "业绩成果证明材料",
}


def items_for_level(level: str) -> tuple[Item, ...]:
    return SENIOR_ITEMS if level == Level.SENIOR else JUNIOR_ITEMS


def item_for(level: str, code: str) -> Item | None:
    return next((i for i in items_for_level(level) if i.code == code), None)


def window_years_for(item: Item, campaign_rules: dict) -> int | None:
    """The campaign's rule set wins over the form's default ("近十年/近五年/近三年")."""
    for criterion in (campaign_rules or {}).get("criteria", []):
        for rule_item in criterion.get("items", []) or []:
            if rule_item.get("category") in item.categories:
                return rule_item.get("window_years")
    return item.window_years


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def window_for(item: Item, *, campaign) -> tuple[dt.date, dt.date] | None:
    """(first, last) allowed date, counted back from the application deadline, or None if unbounded."""
    years = window_years_for(item, campaign.eligibility_rules)
    if not years:
        return None
    end = campaign.application_end
    return years_before(end, years), end
