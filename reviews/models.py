"""Review: eligibility decisions, experts, scores, exams, defenses, ranking.

`StageScore` is the seam between the stages: each stage (portfolio review, written exam, defense) writes
one row per application with its final score, and ranking reads only these rows. How a stage arrives at
its score (expert reviews and arbitration, an exam paper or an import, a defense panel) lives in that
stage's own models; the parts and the rule used are kept in `detail` for display.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from applicants.models import Application


class Stage(models.TextChoices):
    PORTFOLIO = "portfolio", "业绩成果评审"
    EXAM = "exam", "笔试"
    DEFENSE = "defense", "答辩"


class StageScore(models.Model):
    """The final 0–100 score of one application in one stage. Written by the stage's service only."""

    application = models.ForeignKey(Application, verbose_name="认证申请", on_delete=models.PROTECT,
                                    related_name="stage_scores")
    stage = models.CharField("环节", max_length=12, choices=Stage.choices)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    absent = models.BooleanField("缺考/缺席", default=False)
    detail = models.JSONField("计分明细", default=dict, blank=True,
                              help_text="各部分得分与所用规则，供秘书处查看。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "环节得分"
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="one_score_per_application_stage"),
            models.CheckConstraint(condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                                   name="stage_score_within_0_100"),
            models.CheckConstraint(condition=Q(absent=False) | Q(score__isnull=True),
                                   name="stage_score_absent_has_no_score"),
        ]
        indexes = [models.Index(fields=["stage", "application"])]

    def __str__(self):
        return f"{self.application} {self.get_stage_display()} {self.score}"


from .exam_models import *  # noqa: E402,F401,F403
