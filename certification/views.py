from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import predicates, selectors, services
from .forms import CampaignForm, CatalogueFilterForm
from .guards import permission_required, require
from .models import Campaign, Notification, Role


def catalogue(request):
    """全部认证: published campaigns, filterable by province and level."""
    form = CatalogueFilterForm(request.GET or None)
    province_code = level = None
    if form.is_valid():
        province_code = form.cleaned_data["province"] or None
        level = form.cleaned_data["level"] or None
    entries = selectors.campaign_catalogue(province_code=province_code, level=level)
    return render(request, "certification/catalogue.html", {"form": form, "entries": entries})


def campaign_detail(request, slug):
    campaign = get_object_or_404(Campaign.objects.select_related("authority", "province"), slug=slug)
    if campaign.status == Campaign.Status.DRAFT:
        require(request, "certification.manage_campaign", campaign)
    return render(request, "certification/campaign_detail.html", {"campaign": campaign})


@login_required
def home(request):
    """Each role lands on its own page after login."""
    user = request.user
    if predicates.is_administrator(user):
        return redirect("admin:index")
    targets = {
        Role.APPLICANT: "applicants:my_certifications",
        Role.PROVINCIAL_SECRETARIAT: "workbench",
        Role.NATIONAL_SECRETARIAT: "workbench",
        Role.EXPERT: "expert_home",
        Role.SUPERVISOR: "supervision_home",
    }
    return redirect(targets.get(user.role, "catalogue"))


@login_required
def workbench(request):
    """The secretariat's campaign list."""
    require(request, "certification.create_campaign")
    campaigns = selectors.campaigns_managed_by(user=request.user)
    return render(request, "certification/workbench.html", {"campaigns": campaigns})


@login_required
def campaign_edit(request, slug=None):
    campaign = get_object_or_404(Campaign, slug=slug) if slug else None
    if campaign:
        require(request, "certification.manage_campaign", campaign)
    else:
        require(request, "certification.create_campaign")
    authority = campaign.authority if campaign else request.user.authority
    form = CampaignForm(request.POST or None, instance=campaign, authority=authority)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.campaign_save(campaign=form.instance, actor=request.user)
        except ValidationError as exc:
            # The service's full check also covers rules on fields outside the form (such as one campaign per
            # authority, level and year); show them on the form instead of failing.
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "认证活动已保存。")
            return redirect("campaign_manage", slug=saved.slug)
    return render(request, "certification/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_manage(request, slug):
    campaign = get_object_or_404(Campaign.objects.select_related("authority", "province"), slug=slug)
    require(request, "certification.manage_campaign", campaign)
    trail = selectors.audit_trail(subject=campaign)
    return render(request, "certification/campaign_manage.html", {"campaign": campaign, "trail": trail})


ACTIONS = {
    "publish": (services.campaign_publish, "认证活动已发布。"),
    "close": (services.campaign_close, "认证活动已结束。"),
    "unpublish": (services.campaign_unpublish, "认证活动已撤回为草稿。"),
}


@login_required
@require_POST
def campaign_action(request, slug, action):
    campaign = get_object_or_404(Campaign, slug=slug)
    require(request, "certification.manage_campaign", campaign)
    if action not in ACTIONS:
        raise PermissionDenied
    func, done = ACTIONS[action]
    reason = request.POST.get("reason", "").strip()
    try:
        func(campaign=campaign, actor=request.user, reason=reason)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("campaign_manage", slug=slug)


@permission_required("certification.view_outbox")
def outbox(request):
    status = request.GET.get("status") or None
    page = Paginator(selectors.outbox(user=request.user, status=status), 50).get_page(request.GET.get("page"))
    return render(request, "certification/outbox.html",
                  {"page": page, "status": status, "statuses": Notification.Status.choices,
                   "backlog": selectors.outbox_backlog(user=request.user)})


@permission_required("certification.expert_home")
def expert_home(request):
    return render(request, "certification/role_home.html", {
        "title": "评审专家工作台", "lead": "分配给您的申报书在“评审任务”中。",
        "link": (reverse("reviews:expert_tasks"), "进入评审任务")})


@permission_required("certification.supervision_home")
def supervision_home(request):
    return render(request, "certification/role_home.html", {
        "title": "监督委员会工作台", "lead": "受理公示期间的投诉、记录调查并作出决定；必要时撤销证书。",
        "link": (reverse("certificates:complaint_list"), "投诉受理")})


# --- background exports ----------------------------------------------------------------------------------

def _own_export(request, pk):
    """Only the staff member who asked for the export sees it (and only while still staff); others get a 404."""
    from .models import ExportJob

    require(request, "certification.use_exports")
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)


@login_required
def export_job(request, pk):
    job = _own_export(request, pk)
    return render(request, "certification/export_job.html",
                  {"job": job, "retention_days": settings.EXPORT_RETENTION_DAYS})


@login_required
def export_download(request, pk):
    from django.http import Http404

    from .pdf import private_file_response

    job = _own_export(request, pk)
    if job.is_expired:  # an old link: the job page says the file was deleted and to export again
        return redirect("export_job", pk=job.pk)
    if not job.is_done or not job.file:
        raise Http404("导出文件尚未生成。")
    response = private_file_response(job.file, download_name=job.download_name)
    response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response
