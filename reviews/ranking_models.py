"""Shortlist for the defense and the final ranking of a campaign (issue 11 items 3 and 5).

Both are computed set-based in SQL (window functions) by `reviews.ranking_services` from the `StageScore`
rows only, one row per application, and re-computed as often as the secretariat likes until they are
released (the shortlist) or published (the results): from then on they are frozen.

Scores are kept exact: a stage score has two decimals, so `score × 100 × weight` is an integer; ranks and cut-offs
compare these integers (`units`), never floating-point sums.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from applicants.models import Application
from certification.models import Campaign


def score_text(value) -> str:
    """A weighted score as shown: at least two decimals, up to the four it is kept with (86.75, 77.6923)."""
    if value is None:
        return ""
    value = Decimal(value)
    shown = value.normalize()
    if -shown.as_tuple().exponent < 2:
        shown = value.quantize(Decimal("0.01"))
    return f"{shown:f}"


class RoundStatus(models.TextChoices):
    COMPUTING = "computing", "计算中"
    COMPUTED = "computed", "已计算，待确认"
    FAILED = "failed", "计算失败"
    CONFIRMED = "confirmed", "已确认，待公布"
    RELEASED = "released", "已公布"


class ShortlistRound(models.Model):
    """The shortlist of one campaign: computed by a job, confirmed by the secretariat, released to applicants."""

    campaign = models.OneToOneField(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                    related_name="shortlist_round")
    status = models.CharField("状态", max_length=12, choices=RoundStatus.choices, default=RoundStatus.COMPUTING)
    # The rule as it was applied (a later edit of the campaign does not rewrite what was computed).
    mode = models.CharField("入围规则", max_length=12, choices=Campaign.CutoffMode.choices)
    value = models.DecimalField("入围比例或分数线", max_digits=5, decimal_places=2)
    tie_rule = models.CharField("同分处理", max_length=24, choices=Campaign.TieRule.choices)
    weight_portfolio = models.PositiveSmallIntegerField("业绩成果评审权重")
    weight_exam = models.PositiveSmallIntegerField("笔试权重")
    pool_size = models.PositiveIntegerField("参加排序人数", default=0)
    quota = models.PositiveIntegerField("按比例计算的名额", null=True, blank=True)
    selected_count = models.PositiveIntegerField("入围人数", default=0)
    failure_message = models.TextField("失败原因", blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField("公布时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "入围答辩名单"

    def __str__(self):
        return f"{self.campaign} 入围答辩名单（{self.get_status_display()}）"


class ShortlistEntry(models.Model):
    """One applicant in the shortlist ranking: combined = (wP·P + wE·E) / (wP + wE), on the 0–100 scale."""

    round = models.ForeignKey(ShortlistRound, on_delete=models.CASCADE, related_name="entries")
    application = models.OneToOneField(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="shortlist_entry")
    portfolio = models.DecimalField("业绩成果评审得分", max_digits=5, decimal_places=2, null=True)
    exam = models.DecimalField("笔试得分", max_digits=5, decimal_places=2, null=True)
    portfolio_absent = models.BooleanField("业绩成果评审缺评", default=False)
    exam_absent = models.BooleanField("笔试缺考", default=False)
    units = models.BigIntegerField("精确得分单位")
    combined = models.DecimalField("加权成绩", max_digits=9, decimal_places=4)
    rank = models.PositiveIntegerField("名次")
    decision_rank = models.PositiveIntegerField("同分处理后的名次")
    selected = models.BooleanField("入围", default=False)

    class Meta:
        ordering = ["rank", "decision_rank", "application_id"]
        verbose_name = verbose_name_plural = "入围排序"
        indexes = [models.Index(fields=["round", "rank"])]

    def __str__(self):
        return f"{self.application} 第{self.rank}名"

    @property
    def combined_text(self) -> str:
        return score_text(self.combined)


class RankingRound(models.Model):
    """The final ranking of one campaign: computed (and re-computed) by a job, then published, then frozen."""

    class Status(models.TextChoices):
        COMPUTING = "computing", "计算中"
        COMPUTED = "computed", "已计算，待公布"
        FAILED = "failed", "计算失败"
        PUBLISHED = "published", "已公布"

    campaign = models.OneToOneField(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                    related_name="ranking_round")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.COMPUTING)
    mode = models.CharField("通过规则", max_length=12, choices=Campaign.CutoffMode.choices)
    value = models.DecimalField("通过比例或分数线", max_digits=5, decimal_places=2)
    tie_rule = models.CharField("同分处理", max_length=24, choices=Campaign.TieRule.choices)
    weight_portfolio = models.PositiveSmallIntegerField("业绩成果评审权重")
    weight_exam = models.PositiveSmallIntegerField("笔试权重")
    weight_defense = models.PositiveSmallIntegerField("答辩权重")
    pool_status = models.CharField("参加认证决定的申请状态", max_length=16)
    pool_size = models.PositiveIntegerField("参加认证决定人数", default=0)
    ranked_count = models.PositiveIntegerField("排名人数", default=0)
    quota = models.PositiveIntegerField("按比例计算的名额", null=True, blank=True)
    passed_count = models.PositiveIntegerField("通过人数", default=0)
    failure_message = models.TextField("失败原因", blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    runs = models.PositiveIntegerField("计算次数", default=0)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("公布时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "成绩排名"
        constraints = [
            models.CheckConstraint(condition=~Q(status="published") | Q(published_at__isnull=False),
                                   name="ranking_published_has_time"),
        ]

    def __str__(self):
        return f"{self.campaign} 成绩排名（{self.get_status_display()}）"


class RankingResult(models.Model):
    """One applicant's line in the final ranking: every stage score, the weighted total, the rank, the decision.

    total = Σ weight × stage score / 100 (weights in per cent); a stage the applicant was absent from, or never
    reached (not shortlisted: no defense), counts 0. `rank` is the competition rank by total over every ranked
    applicant of the campaign (equal totals share a rank); `decision_rank` applies the campaign's tie rule among
    those who take part in the pass decision (`in_pool`).
    """

    campaign = models.ForeignKey(Campaign, verbose_name="认证活动", on_delete=models.PROTECT,
                                 related_name="ranking_results")
    application = models.OneToOneField(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                       related_name="ranking_result")
    in_pool = models.BooleanField("参加认证决定", default=True)
    portfolio = models.DecimalField("业绩成果评审得分", max_digits=5, decimal_places=2, null=True)
    exam = models.DecimalField("笔试得分", max_digits=5, decimal_places=2, null=True)
    defense = models.DecimalField("答辩得分", max_digits=5, decimal_places=2, null=True)
    portfolio_absent = models.BooleanField("业绩成果评审缺评", default=False)
    exam_absent = models.BooleanField("笔试缺考", default=False)
    defense_absent = models.BooleanField("答辩缺席", default=False)
    units = models.BigIntegerField("精确得分单位")
    total = models.DecimalField("加权总分", max_digits=9, decimal_places=4)
    rank = models.PositiveIntegerField("名次")
    decision_rank = models.PositiveIntegerField("同分处理后的名次")
    passed = models.BooleanField("通过", default=False)

    class Meta:
        ordering = ["rank", "decision_rank", "application_id"]
        verbose_name = verbose_name_plural = "排名结果"
        indexes = [models.Index(fields=["campaign", "rank"])]

    def __str__(self):
        return f"{self.application} 第{self.rank}名"

    @property
    def total_text(self) -> str:
        return score_text(self.total)
