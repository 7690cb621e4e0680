"""Vocabularies shared by the models, the eligibility engine, the rule-set checks and the applicant forms.

A leaf module: it imports nothing of ours, so anything may import it.
"""

from django.db import models


class Level(models.TextChoices):
    JUNIOR = "junior", "初级"
    INTERMEDIATE = "intermediate", "中级"
    SENIOR = "senior", "高级"

    @classmethod
    def rank(cls, value: str) -> int:
        return [c.value for c in cls].index(value)


class Education(models.TextChoices):
    BELOW_ASSOCIATE = "below_associate", "大专以下"
    ASSOCIATE = "associate", "大专"
    BACHELOR = "bachelor", "大学本科"
    MASTER = "master", "硕士研究生"
    DOCTOR = "doctor", "博士研究生"


class Scope(models.TextChoices):
    """How high the awarding or funding body stands, highest first."""

    INTERNATIONAL = "international", "国际"
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省部级"
    MUNICIPAL = "municipal", "地市级"
    COUNTY = "county", "区县级"
    SCHOOL = "school", "校级"


class AwardGrade(models.TextChoices):
    SPECIAL = "special", "特等奖"
    FIRST = "first", "一等奖"
    SECOND = "second", "二等奖"
    THIRD = "third", "三等奖"
    EXCELLENCE = "excellence", "优秀奖"
    HONOURABLE_MENTION = "honourable_mention", "鼓励奖（入围）"


class AchievementCategory(models.TextChoices):
    STUDENT_AWARD = "student_award", "指导学生参加青少年科技竞赛获奖"
    STUDENT_ACTIVITY = "student_activity", "指导学生开展校内外科技活动"
    PROFESSIONAL_AWARD = "professional_award", "科技教育专业评比获奖"
    COUNSELOR_HONOUR = "counselor_honour", "优秀科技辅导员表彰奖励"
    RESEARCH = "research", "青少年科技教育研究课题"
    PAPER = "paper", "青少年科技教育论文（第一、第二作者）"
    RESEARCH_OR_COURSE = "research_or_course", "参与课题研究或课程开发"


class ApplicantCategory(models.TextChoices):
    KINDERGARTEN_TEACHER = "kindergarten_teacher", "幼儿园教师"
    SCHOOL_TEACHER = "school_teacher", "中小学教师"
    VOCATIONAL_TEACHER = "vocational_teacher", "职业学校教师"
    UNIVERSITY_STUDENT = "university_student", "高校科学教育相关专业在读学生（专科生、本科生、研究生及博士生）"
    RESEARCHER = "researcher", "高等学校与科研院所、科普场馆等单位人员"
    OTHER = "other", "其他"
