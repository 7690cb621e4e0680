"""Review pages. Views parse input, guard with the `reviews.*` permissions, call a service and render.
An application outside the user's authority is a 404 so its existence does not leak."""

import tempfile

from csp.decorators import csp_exempt
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from applicants.models import Application, DossierEntry
from certification.eligibility import Outcome
from certification.idcard import mask_id_number
from certification.models import Campaign, Level
from certification.pdf import private_file_response
from certification.selectors import audit_trail

from . import selectors, services
from .forms import (
    ConflictForm,
    DecisionForm,
    ExpertForm,
    ExpertImportForm,
    ReturnForm,
    ReviewSettingsForm,
)
from .models import Assignment, AssignmentJob, Expert, Review, ReviewSettings
from .resources import SPLIT


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _application_for_secretariat(request, pk) -> Application:
    _require(request, "reviews.view_eligibility_queue")
    application = get_object_or_404(Application.objects.select_related("campaign", "applicant"), pk=pk)
    if not request.user.has_perm("reviews.review_eligibility", application):
        raise Http404
    return application


REVIEW_PAGE_SIZE = 50


@login_required
def eligibility_return(request, pk):
    application = _application_for_secretariat(request, pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_return(application=application, actor=request.user,
                                        reason=form.cleaned_data["reason"], deadline=form.cleaned_data["deadline"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, f"申报书 {application.number} 已退回修改。")
            return redirect("reviews:eligibility_list")
    return render(request, "reviews/eligibility_return.html", {
        "application": application, "form": form, "trail": audit_trail(subject=application)})


def _fail(request, exc: ValidationError):
    for m in exc.messages:
        messages.error(request, m)


def _campaign_for_secretariat(request, slug) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("authority"), slug=slug)
    if not request.user.has_perm("reviews.manage_portfolio", campaign):
        raise Http404
    return campaign


def _query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


@login_required
def workbench(request):
    """资格审查工作台: filters, search, 50 a page, selection decisions and the release of pending ones."""
    _require(request, "reviews.view_eligibility_queue")
    g = request.GET
    # Every filter key present (a plain dict, not the QueryDict): the form's `f.<key>` lookups never miss, and
    # a missed template lookup costs as much as ten that hit.
    f = {key: g.get(key, "") for key in ("campaign", "level", "status", "verdict", "track", "city", "unit", "q")}
    campaigns = selectors.authority_campaigns(user=request.user)
    campaign = next((c for c in campaigns if c.slug == f["campaign"]), None)
    listed = selectors.eligibility_page(user=request.user, campaigns=campaigns, page=g.get("page"),
                                        per_page=REVIEW_PAGE_SIZE, campaign=campaign, level=f["level"],
                                        status=f["status"], verdict=f["verdict"], city=f["city"].strip(),
                                        unit=f["unit"].strip(), track=f["track"], q=f["q"].strip())
    return render(request, "reviews/eligibility_list.html", {
        "applications": listed.rows, "page": listed.page, "pending": listed.pending, "status": f["status"],
        "f": f, "statuses": Application.Status.choices, "campaign_choices": [(c.slug, c.title) for c in campaigns],
        "levels": Level.choices,
        "tracks": Application.Track.choices, "verdicts": Outcome.choices, "qs": _query_string(request),
        "campaign": campaign})


eligibility_list = workbench


@login_required
def eligibility_detail(request, pk):
    """Everything submitted, the engine's verdict per criterion (stored or recomputed), the flags, decisions."""
    _require(request, "reviews.view_eligibility_queue")
    application = selectors.application_for_secretariat(user=request.user, pk=pk)
    entries = list(application.entries.all())
    recompute = request.GET.get("recompute") == "1"
    verdict = services.eligibility_verdict(application=application, recompute=recompute)
    flags = services.eligibility_flags(application=application, entries=entries)
    flagged = {f["entry"] for f in flags if f["entry"]}
    for e in entries:
        e.flagged = e.pk in flagged
    snapshot = dict(application.profile_snapshot or {})
    if snapshot.get("id_number"):
        snapshot["id_number"] = mask_id_number(snapshot["id_number"])
    return render(request, "reviews/eligibility_detail.html", {
        "application": application, "entries": entries, "verdict": verdict, "recomputed": recompute or
        verdict.get("recomputed"), "flags": flags, "a": snapshot, "decision": selectors.decision_of(application),
        "form": DecisionForm(clauses=services.eligibility_clauses(application.campaign)),
        "outcome_labels": dict(Outcome.choices), "trail": audit_trail(subject=application)})


@login_required
@require_POST
def eligibility_decide(request):
    _require(request, "reviews.view_eligibility_queue")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    apps = list(Application.objects.select_related("campaign").filter(pk__in=ids))
    back = request.POST.get("next") or ""
    if not back.startswith("/review/"):
        back = reverse("reviews:eligibility_list")
    try:
        decisions = services.eligibility_decide(applications=apps, actor=request.user,
                                                outcome=request.POST.get("outcome", ""),
                                                reason=request.POST.get("reason", ""),
                                                clause_code=request.POST.get("clause_code", ""))
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已记录 {len(decisions)} 份申报书的审查决定（待发布）。")
    return redirect(back)


@login_required
@require_POST
def eligibility_withdraw_decision(request, pk):
    application = _application_for_secretariat(request, pk)
    try:
        services.eligibility_decision_withdraw(application=application, actor=request.user)
        messages.success(request, "已撤销待发布的审查决定。")
    except ValidationError as exc:
        _fail(request, exc)
    return redirect("reviews:eligibility_detail", pk=pk)


@login_required
@require_POST
def eligibility_release(request):
    _require(request, "reviews.view_eligibility_queue")
    campaign = Campaign.objects.filter(slug=request.POST.get("campaign", ""),
                                       authority_id=request.user.authority_id).first()
    done = services.eligibility_release(actor=request.user, campaign=campaign)
    messages.success(request, f"已发布 {done['released']} 份审查决定，并已通知申请人。")
    for number, why in done["skipped"]:
        messages.error(request, f"{number} 未发布：{why}")
    return redirect("reviews:eligibility_list")


# Shown inline in the review page (the browser's PDF viewer): framable by this site only, and without the
# HTML pages' CSP (frame-ancestors 'none', object-src 'none'), which would block the viewer on a file response.
@xframe_options_sameorigin
@csp_exempt()
@login_required
def eligibility_entry_file(request, pk, entry_pk):
    application = _application_for_secretariat(request, pk)
    entry = get_object_or_404(DossierEntry, pk=entry_pk, application=application)
    return private_file_response(entry.attachment, download_name=entry.attachment_name, as_attachment=False)


# Shown inline in the review page (the browser's PDF viewer): framable by this site only, and without the
# HTML pages' CSP (frame-ancestors 'none', object-src 'none'), which would block the viewer on a file response.
@xframe_options_sameorigin
@csp_exempt()
@login_required
def eligibility_scan_file(request, pk):
    application = _application_for_secretariat(request, pk)
    if not application.signed_scan:
        raise Http404
    return private_file_response(application.signed_scan, download_name=application.signed_scan_name,
                                 as_attachment=False)


def _xlsx_response(rows, filename: str) -> FileResponse:
    """Build the sheet in openpyxl's write-only mode into a temporary file and stream it in chunks.
    Cells that a spreadsheet would run as a formula are written as text."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in rows:
        ws.append([("'" + v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
                   for v in row])
    fh = tempfile.TemporaryFile()
    wb.save(fh)
    fh.seek(0)
    response = FileResponse(fh, as_attachment=True, filename=filename,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def eligibility_export(request, slug):
    campaign = _campaign_for_secretariat(request, slug)
    return _xlsx_response(selectors.decisions_export_rows(user=request.user, campaign=campaign),
                          f"eligibility-{campaign.slug}.xlsx")


# --- expert pool -----------------------------------------------------------------------------------------

@login_required
def experts(request):
    """评审专家库 of the user's authority: add by hand or import from XLSX (bad rows reported by number)."""
    _require(request, "reviews.manage_experts")
    form = ExpertForm(request.POST or None) if request.POST.get("action") == "add" else ExpertForm()
    import_form = ExpertImportForm()
    report = None
    if request.method == "POST" and request.POST.get("action") == "add" and form.is_valid():
        cd = form.cleaned_data
        try:
            services.expert_create(authority=request.user.authority, actor=request.user, email=cd["email"],
                                   full_name=cd["full_name"], unit=cd["unit"], province=cd["province"],
                                   city=cd["city"], specialties=SPLIT.split(cd["specialties"] or ""),
                                   max_per_campaign=cd["max_per_campaign"],
                                   conflict_units=SPLIT.split(cd["conflict_units"] or ""))
        except ValidationError as exc:
            for field, errs in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, f"专家{cd['full_name']}已入库。")
            return redirect("reviews:experts")
    elif request.method == "POST" and request.POST.get("action") == "import":
        import_form = ExpertImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["upload"]
            try:
                result, errors = services.experts_import(data=upload.read(), file_name=upload.name,
                                                         actor=request.user, authority=request.user.authority)
            except ValidationError as exc:
                import_form.add_error("upload", exc.messages)
            else:
                report = {"new": result.totals["new"], "update": result.totals["update"],
                          "skip": result.totals["skip"], "errors": errors}
                if not errors:
                    messages.success(request, f"导入完成：新增{result.totals['new']}位，"
                                              f"更新{result.totals['update']}位。")
    pool = list(selectors.expert_pool(user=request.user))
    return render(request, "reviews/experts.html", {"experts": pool, "form": form, "import_form": import_form,
                                                    "report": report})


# --- portfolio review (secretariat) -----------------------------------------------------------------------

@login_required
def portfolio_campaigns(request):
    _require(request, "reviews.view_eligibility_queue")
    campaigns = Campaign.objects.filter(authority_id=request.user.authority_id).order_by("-year", "level")
    return render(request, "reviews/portfolio_campaigns.html", {"campaigns": campaigns})


@login_required
def portfolio(request, slug):
    """业绩成果评审 of one campaign: settings, automatic assignment, each dossier's experts and aggregate."""
    campaign = _campaign_for_secretariat(request, slug)
    review_settings = services.review_settings_get(campaign=campaign)
    settings_form = ReviewSettingsForm(request.POST or None, instance=review_settings)
    if request.method == "POST" and settings_form.is_valid():
        try:
            services.review_settings_save(review_settings=settings_form.instance, actor=request.user)
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "评审设置已保存。")
            return redirect("reviews:portfolio", slug=slug)
    page = Paginator(selectors.portfolio_overview(campaign=campaign), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page"))
    pool = list(Expert.objects.filter(authority_id=campaign.authority_id, active=True).order_by("full_name"))
    job = AssignmentJob.objects.filter(campaign=campaign).first()
    return render(request, "reviews/portfolio.html", {
        "campaign": campaign, "settings_form": settings_form, "page": page, "pool": pool, "job": job,
        "review_settings": review_settings})


@login_required
@require_POST
def portfolio_assign(request, slug):
    campaign = _campaign_for_secretariat(request, slug)
    try:
        job = services.assignment_job_create(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("reviews:portfolio", slug=slug)
    return redirect("reviews:assignment_job", pk=job.pk)


@login_required
def assignment_job(request, pk):
    job = get_object_or_404(AssignmentJob.objects.select_related("campaign"), pk=pk)
    if not request.user.has_perm("reviews.manage_portfolio", job.campaign):
        raise Http404
    return render(request, "reviews/assignment_job.html", {"job": job})


@login_required
@require_POST
def assignment_move(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("application__campaign", "expert"), pk=pk)
    if not request.user.has_perm("reviews.manage_portfolio", assignment.application.campaign):
        raise Http404
    to_expert = Expert.objects.filter(pk=request.POST.get("expert") or 0).first()
    if to_expert is None:
        messages.error(request, "请选择要调整到的专家。")
    else:
        try:
            services.assignment_move(assignment=assignment, to_expert=to_expert, actor=request.user)
            messages.success(request, f"已调整为{to_expert.full_name}。")
        except ValidationError as exc:
            _fail(request, exc)
    return redirect("reviews:portfolio", slug=assignment.application.campaign.slug)


@login_required
def calibration(request, slug):
    campaign = _campaign_for_secretariat(request, slug)
    rows = selectors.calibration(campaign=campaign)
    return render(request, "reviews/calibration.html", {"campaign": campaign, "rows": rows,
                                                        "chart": selectors.calibration_svg(rows)})


@login_required
def scores_export(request, slug):
    campaign = _campaign_for_secretariat(request, slug)
    return _xlsx_response(selectors.scores_export_rows(campaign=campaign), f"portfolio-{campaign.slug}.xlsx")


# --- the expert's queue (评审任务) -----------------------------------------------------------------------

def _task_context(assignment, *, form_values=None, errors=None):
    application = assignment.application
    review = selectors.review_of(assignment)
    cats = selectors.categories(application.campaign)
    given = {s.category_id: s.value for s in review.scores.all()} if review else {}
    values = form_values or {}
    rows = [{"category": c, "value": values.get(c.code, given.get(c.pk, "")),
             "error": (errors or {}).get(c.code)} for c in cats]
    anonymous = services.review_settings_get(campaign=application.campaign).anonymous
    snap = application.profile_snapshot or {}
    return {"assignment": assignment, "application": application, "review": review, "rows": rows,
            "entries": list(application.entries.all()), "anonymous": anonymous,
            "who": {} if anonymous else {"full_name": snap.get("full_name", ""), "employer": snap.get("employer", "")},
            "co_reviews": selectors.co_reviews(assignment=assignment), "conflict_form": ConflictForm(),
            "comment": (form_values or {}).get("comment", review.comment if review else ""),
            "max_total": sum(c.max_score for c in cats)}


@login_required
def expert_tasks(request):
    _require(request, "reviews.view_expert_queue")
    expert = selectors.expert_of(user=request.user)
    assignments = list(selectors.expert_queue(expert=expert)) if expert else []
    anonymous = set(ReviewSettings.objects.filter(anonymous=True, campaign_id__in={a.campaign_id for a in assignments})
                    .values_list("campaign_id", flat=True))
    for a in assignments:
        a.hidden = a.campaign_id in anonymous
        a.display_name = "" if a.hidden else (a.application.profile_snapshot or {}).get("full_name", "")
        try:
            a.my_review = a.review
        except Review.DoesNotExist:
            a.my_review = None
    return render(request, "reviews/expert_tasks.html", {"assignments": assignments, "expert": expert})


@login_required
def expert_task(request, pk):
    _require(request, "reviews.view_expert_queue")
    assignment = selectors.assignment_of_expert(user=request.user, pk=pk)
    if request.method == "POST":
        if not request.user.has_perm("reviews.score_assignment", assignment):
            messages.error(request, "该评审已提交，不能再修改。")
            return redirect("reviews:expert_task", pk=pk)
        values = {c.code: request.POST.get(f"score_{c.code}", "").strip()
                  for c in selectors.categories(assignment.application.campaign)}
        submit = request.POST.get("action") == "submit"
        try:
            services.review_save(assignment=assignment, actor=request.user, scores=values,
                                 comment=request.POST.get("comment", ""), submit=submit)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            if not errors:
                _fail(request, exc)
            else:
                messages.error(request, "评分未保存，请修正标出的问题。")
            ctx = _task_context(assignment, form_values={**values, "comment": request.POST.get("comment", "")},
                                errors={k: "；".join(v) for k, v in errors.items()})
            return render(request, "reviews/expert_task.html", ctx, status=400)
        messages.success(request, "评分已提交。" if submit else "草稿已保存。")
        return redirect("reviews:expert_task", pk=pk)
    return render(request, "reviews/expert_task.html", _task_context(assignment))


@login_required
@require_POST
def expert_task_conflict(request, pk):
    _require(request, "reviews.view_expert_queue")
    assignment = selectors.assignment_of_expert(user=request.user, pk=pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请说明回避原因。")
        return redirect("reviews:expert_task", pk=pk)
    try:
        services.assignment_declare_conflict(assignment=assignment, actor=request.user,
                                             reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("reviews:expert_task", pk=pk)
    messages.success(request, "已声明回避，该申报书已从您的评审任务中移除。")
    return redirect("reviews:expert_tasks")


# Shown inline in the review page (the browser's PDF viewer): framable by this site only, and without the
# HTML pages' CSP (frame-ancestors 'none', object-src 'none'), which would block the viewer on a file response.
@xframe_options_sameorigin
@csp_exempt()
@login_required
def expert_task_file(request, pk, entry_pk):
    _require(request, "reviews.view_expert_queue")
    assignment = selectors.assignment_of_expert(user=request.user, pk=pk)
    entry = get_object_or_404(DossierEntry, pk=entry_pk, application_id=assignment.application_id)
    return private_file_response(entry.attachment, download_name=entry.attachment_name, as_attachment=False)
