"""Secretariat pages of the stage moves, the shortlist and the ranking; the XLSX export; the applicant's results.

Views parse input, guard with `reviews.*` permissions, call a service and render. A campaign of another authority is
a 404 so its existence does not leak.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from applicants.models import Application
from certification.models import Campaign
from certification.selectors import campaigns_managed_by

from . import ranking_charts, ranking_exports, ranking_selectors, ranking_services
from .defense_models import DefenseBooking
from .defense_services import booking_ics

RANK_PAGE_SIZE = 100


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _campaign_for(request, slug) -> Campaign:
    _require(request, "reviews.view_rankings")
    campaign = get_object_or_404(Campaign.objects.select_related("authority"), slug=slug)
    if not request.user.has_perm("reviews.manage_ranking", campaign):
        raise Http404
    return campaign


@login_required
def ranking_index(request):
    """The secretariat's campaigns with where their scoring stands, and pass rates by province and level."""
    _require(request, "reviews.view_rankings")
    campaigns = list(campaigns_managed_by(user=request.user).select_related("ranking_round", "shortlist_round"))
    rates = ranking_selectors.pass_rates(campaigns)
    charts = []
    if rates["province"]:
        charts.append(ranking_charts.pass_rate_chart("各省份认证通过率", rates["province"], "chart-province"))
    if rates["level"]:
        charts.append(ranking_charts.pass_rate_chart("各级别认证通过率", rates["level"], "chart-level"))
    return render(request, "reviews/ranking/index.html", {"campaigns": campaigns, "charts": charts, "rates": rates})


@login_required
def ranking_campaign(request, slug):
    campaign = _campaign_for(request, slug)
    counts = dict(Application.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk")))
    S = Application.Status
    stage_counts = [(S(s).label, counts.get(s, 0)) for s in
                    [S.PORTFOLIO_REVIEW, S.EXAM, S.SHORTLISTED, S.NOT_SHORTLISTED, S.CERTIFIED, S.NOT_CERTIFIED]]
    shortlist = ranking_selectors.shortlist_round(campaign)
    ranking = ranking_selectors.ranking_round(campaign)
    page = Paginator(ranking_selectors.ranking_rows(campaign), RANK_PAGE_SIZE).get_page(request.GET.get("page"))
    if ranking:
        for r in page.object_list:
            r.parts = ranking_selectors.weighted_parts(r, ranking)
    short_rows = ranking_selectors.shortlist_rows(campaign)[:500] if shortlist else []
    charts = [ranking_charts.distribution_chart(d) for d in ranking_selectors.stage_distributions(campaign)]
    return render(request, "reviews/ranking/campaign.html", {
        "campaign": campaign, "stage_counts": stage_counts, "shortlist": shortlist, "short_rows": short_rows,
        "ranking": ranking, "page": page, "charts": charts,
        "weight_errors": ranking_services.campaign_weight_errors(campaign),
        "shortlist_formula": ranking_services.SHORTLIST_FORMULA, "total_formula": ranking_services.TOTAL_FORMULA,
        "quota_formula": ranking_services.QUOTA_FORMULA,
        "pool_label": S(ranking_services.final_pool_status(campaign)).label,
    })


ACTIONS = {
    "start_exam": (lambda c, u: ranking_services.campaign_start_exam(campaign=c, actor=u),
                   "已将完成业绩成果评审的申请移入笔试环节。"),
    "shortlist_compute": (lambda c, u: ranking_services.shortlist_request(campaign=c, actor=u),
                          "已提交入围答辩名单计算任务，完成后刷新本页查看。"),
    "shortlist_confirm": (lambda c, u: ranking_services.shortlist_confirm(campaign=c, actor=u),
                          "入围答辩名单已确认。"),
    "shortlist_release": (lambda c, u: ranking_services.shortlist_release(campaign=c, actor=u),
                          "入围答辩名单已公布，已通知每位申请人。"),
    "ranking_compute": (lambda c, u: ranking_services.ranking_request(campaign=c, actor=u),
                        "已提交成绩排名计算任务，完成后刷新本页查看。"),
    "results_publish": (lambda c, u: ranking_services.results_publish(campaign=c, actor=u),
                        "认证结果已公布，已通知每位申请人；排名已冻结。"),
}


@login_required
@require_POST
def ranking_action(request, slug, action):
    campaign = _campaign_for(request, slug)
    if action not in ACTIONS:
        raise Http404
    func, done = ACTIONS[action]
    try:
        func(campaign, request.user)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("reviews:ranking_campaign", slug=slug)


@login_required
def ranking_export(request, slug):
    campaign = _campaign_for(request, slug)
    return FileResponse(ranking_exports.results_workbook(campaign), as_attachment=True,
                        filename=f"{campaign.slug}-ranking.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- the applicant --------------------------------------------------------------------------------------

@login_required
def my_results(request):
    """The applicant's defense slot (once announced) and results (once published); nothing before."""
    _require(request, "reviews.view_own_results")
    applications = list(Application.objects.filter(applicant=request.user).select_related("campaign")
                        .order_by("-created_at"))
    results = ranking_selectors.published_results_for(applications)
    bookings = {b.application_id: b for b in DefenseBooking.objects.filter(
        application__in=applications, notified_at__isnull=False).select_related("slot__panel")}
    rows = [{"application": a, "result": results.get(a.pk), "booking": bookings.get(a.pk)} for a in applications]
    return render(request, "reviews/ranking/my_results.html", {"rows": rows})


@login_required
def my_defense_ics(request, pk):
    _require(request, "reviews.view_own_results")
    booking = DefenseBooking.objects.select_related("slot__panel", "application__campaign").filter(
        application_id=pk, application__applicant=request.user, notified_at__isnull=False).first()
    if booking is None:
        raise Http404
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="defense.ics"'
    return response
