"""Reads of the shortlist, the ranking and the published results.

For other apps (certificates, the applicant's page): `campaign_results_published(campaign)` and
`published_results(campaign)` / `published_result_for(application)`; nothing is visible before publication.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from applicants.models import Application
from certification.models import Campaign

from .models import Stage, StageScore
from .ranking_models import RankingResult, RankingRound, ShortlistEntry, ShortlistRound


def campaign_results_published(campaign: Campaign) -> bool:
    """Whether the campaign's results (totals, ranks, decisions) are published and therefore frozen."""
    return RankingRound.objects.filter(campaign=campaign, status=RankingRound.Status.PUBLISHED).exists()


def published_campaign_ids(campaign_ids) -> set[int]:
    return set(RankingRound.objects.filter(campaign_id__in=list(campaign_ids), status=RankingRound.Status.PUBLISHED)
               .values_list("campaign_id", flat=True))


def ranking_round(campaign: Campaign) -> RankingRound | None:
    return RankingRound.objects.filter(campaign=campaign).select_related("published_by").first()


def shortlist_round(campaign: Campaign) -> ShortlistRound | None:
    return ShortlistRound.objects.filter(campaign=campaign).select_related("confirmed_by", "released_by").first()


def ranking_rows(campaign: Campaign) -> QuerySet[RankingResult]:
    """Every ranked line of the campaign (staff), best first, with the applicant for display."""
    return (RankingResult.objects.filter(campaign=campaign)
            .select_related("application", "application__applicant")
            .order_by("rank", "decision_rank", "application__number", "pk"))


def shortlist_rows(campaign: Campaign) -> QuerySet[ShortlistEntry]:
    return (ShortlistEntry.objects.filter(round__campaign=campaign)
            .select_related("application", "application__applicant")
            .order_by("rank", "decision_rank", "application__number", "pk"))


def published_results(campaign: Campaign) -> QuerySet[RankingResult]:
    """The campaign's result lines, only once published (empty before)."""
    return ranking_rows(campaign).filter(campaign__ranking_round__status=RankingRound.Status.PUBLISHED)


def published_results_for(applications) -> dict[int, RankingResult]:
    """Application pk → its published result line, in one query; applications without published results are
    absent."""
    ids = [a.pk for a in applications]
    if not ids:
        return {}
    qs = RankingResult.objects.filter(application_id__in=ids,
                                      campaign__ranking_round__status=RankingRound.Status.PUBLISHED)
    out = {}
    for r in qs.select_related("campaign__ranking_round"):
        out[r.application_id] = r
    return out


def published_result_for(application: Application) -> RankingResult | None:
    return published_results_for([application]).get(application.pk)


def weighted_parts(result: RankingResult, rnd: RankingRound) -> list[str]:
    """Each stage's share of the total as the weights of that computation give it (weight × score / 100)."""
    from .ranking_models import score_text

    parts = []
    for score, weight in ((result.portfolio, rnd.weight_portfolio), (result.exam, rnd.weight_exam),
                          (result.defense, rnd.weight_defense)):
        if weight:
            parts.append(score_text(Decimal(score or 0) * weight / 100))
    return parts


def decision_label(result: RankingResult) -> str:
    if result.passed:
        return "认证通过"
    if not result.in_pool:
        return "未入围答辩"
    return "未通过认证"


# --- charts ---------------------------------------------------------------------------------------------

BINS = [(0, 60), (60, 70), (70, 80), (80, 90), (90, 101)]
BIN_LABELS = ["60分以下", "60–69", "70–79", "80–89", "90–100"]


def stage_distributions(campaign: Campaign) -> list[dict]:
    """Per stage the campaign has: how many final scores fall in each band, plus the absentees. One query."""
    stages = [Stage.PORTFOLIO] + ([Stage.EXAM] if campaign.has_exam else []) + \
        ([Stage.DEFENSE] if campaign.has_defense else [])
    aggregates = {}
    for i, (lo, hi) in enumerate(BINS):
        aggregates[f"b{i}"] = Count("pk", filter=Q(score__gte=lo, score__lt=hi))
    aggregates["absent"] = Count("pk", filter=Q(absent=True))
    rows = {r["stage"]: r for r in StageScore.objects.filter(application__campaign=campaign, stage__in=stages)
            .values("stage").annotate(**aggregates)}
    out = []
    for stage in stages:
        r = rows.get(stage, {})
        counts = [r.get(f"b{i}", 0) for i in range(len(BINS))]
        out.append({"stage": stage, "label": Stage(stage).label, "bins": list(zip(BIN_LABELS, counts, strict=True)),
                    "absent": r.get("absent", 0), "total": sum(counts) + r.get("absent", 0)})
    return out


def pass_rates(campaigns) -> dict[str, list[dict]]:
    """Pass rates of the computed rankings of `campaigns`, by the applicant's province and by level.

    Counts only those who took part in the decision (`in_pool`). Returns {"province": [...], "level": [...]},
    each row {label, passed, total, rate (0–100, Decimal)}.
    """
    base = RankingResult.objects.filter(campaign__in=campaigns, in_pool=True)
    by_province = defaultdict(lambda: [0, 0])
    for row in base.values("application__applicant__applicant_profile__province__name").annotate(
            n=Count("pk"), p=Count("pk", filter=Q(passed=True))):
        key = row["application__applicant__applicant_profile__province__name"] or "未填写"
        by_province[key][0] += row["p"]
        by_province[key][1] += row["n"]
    by_level = defaultdict(lambda: [0, 0])
    labels = dict(Campaign._meta.get_field("level").choices)
    for row in base.values("campaign__level").annotate(n=Count("pk"), p=Count("pk", filter=Q(passed=True))):
        key = labels.get(row["campaign__level"], row["campaign__level"])
        by_level[key][0] += row["p"]
        by_level[key][1] += row["n"]

    def rows(d):
        return [{"label": k, "passed": p, "total": n,
                 "rate": (Decimal(p) * 100 / n).quantize(Decimal("0.1")) if n else Decimal(0)}
                for k, (p, n) in sorted(d.items())]

    return {"province": rows(by_province), "level": rows(by_level)}
