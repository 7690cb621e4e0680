"""Applicant pages (我的认证, profile, self-check, dossier). The secretariat's review pages live in `reviews`.

Views only parse input, check who may see what, call a service and render. Another applicant's objects are 404.
"""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from certification.guards import require
from certification.idcard import mask_id_number
from certification.models import Campaign
from certification.pdf import cjk_font_face_css, private_file_response

from . import catalogue, eligibility, selectors, services, signals
from .forms import (
    EntryForm,
    HonourFormSet,
    NarrativeForm,
    PriorCertificationFormSet,
    ProfileForm,
    ScanForm,
    TrainingFormSet,
    WithdrawForm,
)
from .models import Application

S = Application.Status
NEXT_STEP = {
    S.DRAFT: "填写并打印申报书，签字盖章后上传扫描件，然后提交。",
    S.SUBMITTED: "请在“我的订单”中缴纳认证评审费；缴费后申报完成。",
    S.UNDER_REVIEW: "等待资格审查结果。",
    S.RETURNED: "请按退回原因修改申报书并在截止时间前重新提交（仅有一次修改机会）。",
    S.ELIGIBLE: "资格审查已通过，请留意后续评审安排。",
    S.INELIGIBLE: "资格审查未通过。",
    S.WITHDRAWN: "已取消报名。",
}


def _fail(request, exc: ValidationError):
    for m in exc.messages:
        messages.error(request, m)


@login_required
def my_certifications(request):
    """我的认证: every application with its stage, next step, deadlines and timeline."""
    require(request, "applicants.apply")
    applications = list(selectors.applications_of(user=request.user))
    trail = selectors.timelines_for(applications=applications)
    sections: dict[int, list] = {}
    for _receiver, extra in signals.application_page_sections.send(sender=Application, applications=applications,
                                                                   request=request):
        for pk, html in (extra or {}).items():
            sections.setdefault(pk, []).append(html)
    rows = [{"application": a, "next_step": NEXT_STEP.get(a.status, ""), "timeline": trail.get(a.pk, []),
             "sections": sections.get(a.pk, [])} for a in applications]
    campaign = None
    slug = request.GET.get("campaign")
    if slug:
        campaign = Campaign.objects.published().select_related("authority").filter(slug=slug).first()
    # Offer only the starts the service would accept (issue 7 item 9): a campaign already applied to links to
    # its dossier; a year whose level is taken says so instead of offering 报名.
    by_campaign = {a.campaign_id: a for a in applications}

    def start_state(c):
        mine = by_campaign.get(c.pk)
        if mine is not None and mine.status != S.WITHDRAWN:
            return {"application": mine}
        refusal = services.start_refusal(campaign=c, applications=applications)
        return {"refusal": refusal.messages[0] if refusal else ""}

    chosen_start = None
    if campaign is not None:
        chosen_start = start_state(campaign)
        if not chosen_start.get("application") and not chosen_start.get("refusal"):
            # What the profile already rules out for this campaign's regular track (the exceptional track may
            # still be open: the form then offers only that).
            profile = selectors.profile_for(user=request.user)
            result = eligibility.self_check(profile=profile, campaign=campaign)
            blockers = eligibility.start_blockers(result=result, profile=profile)
            chosen_start["blockers"] = [f"{c.message_zh} {eligibility.fix_hint(c)}" for c in blockers]
            chosen_start["exceptional_met"] = bool(result.exceptional)

    open_campaigns = selectors.open_campaigns()
    for c in open_campaigns:
        c.start = start_state(c)
    return render(request, "applicants/my_certifications.html", {
        "rows": rows, "chosen_campaign": campaign, "chosen_start": chosen_start,
        "open_campaigns": open_campaigns,
        "has_profile": selectors.has_profile_given(user=request.user, applications=applications),
    })


def _safe_next(request) -> str | None:
    """Only a path on this site: a crafted `next` must not send an applicant elsewhere after saving."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return None


@login_required
def profile_edit(request):
    require(request, "applicants.apply")
    profile = services.profile_get_or_create(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        sets = [PriorCertificationFormSet(request.POST, instance=profile, prefix="prior"),
                TrainingFormSet(request.POST, instance=profile, prefix="training"),
                HonourFormSet(request.POST, instance=profile, prefix="honour")]
        if form.is_valid() and all(s.is_valid() for s in sets):
            try:
                with transaction.atomic():
                    services.profile_save(profile=form.instance, actor=request.user,
                                          photo=form.cleaned_data.get("photo_upload"))
                    for s in sets:
                        s.save()
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errs in exc.message_dict.items():
                        form.add_error(field if field in form.fields else "photo_upload", errs)
                else:
                    form.add_error("photo_upload", exc.messages)
            else:
                messages.success(request, "基本情况已保存。")
                return redirect(_safe_next(request) or "applicants:profile")
    else:
        form = ProfileForm(instance=profile)
        sets = [PriorCertificationFormSet(instance=profile, prefix="prior"),
                TrainingFormSet(instance=profile, prefix="training"),
                HonourFormSet(instance=profile, prefix="honour")]
    return render(request, "applicants/profile.html", {
        "form": form, "prior_set": sets[0], "training_set": sets[1], "honour_set": sets[2], "profile": profile,
        "masked_id": mask_id_number(profile.id_number) if profile.id_number else "",
    })


@login_required
def profile_photo(request):
    require(request, "applicants.apply")
    profile = selectors.profile_for(user=request.user)
    if not profile or not profile.photo:
        raise Http404
    return private_file_response(profile.photo, as_attachment=False)


@login_required
def self_check(request):
    """资格自查: per criterion of the chosen campaign, what passes and what is missing."""
    require(request, "applicants.apply")
    profile = selectors.profile_for(user=request.user)
    campaigns = list(Campaign.objects.published().select_related("authority").order_by("-year", "level"))
    campaign = next((c for c in campaigns if c.slug == request.GET.get("campaign")), None)
    result = None
    application = None
    if campaign is not None:
        application = (Application.objects.filter(applicant=request.user, campaign=campaign)
                       .exclude(status=S.WITHDRAWN).first())
        entries = list(application.entries.all()) if application else []
        result = eligibility.self_check(profile=profile, campaign=campaign, entries=entries)
    started = application is not None
    open_campaigns = [c for c in campaigns if c.phase() == Campaign.Phase.OPEN]
    return render(request, "applicants/self_check.html", {
        "campaigns": campaigns, "campaign": campaign, "result": result, "profile": profile,
        "application": application,
        "rows": eligibility.rows(result, dossier_started=started),
        "overall": eligibility.overall(result, dossier_started=started) if result is not None else "",
        "levels": eligibility.open_levels(profile=profile, campaigns=open_campaigns) if profile else None,
        "criteria": (campaign.eligibility_rules.get("criteria", []) if campaign else []),
        "missing": services.profile_missing(profile),
    })


@login_required
@require_POST
def application_start(request):
    require(request, "applicants.apply")
    campaign = get_object_or_404(Campaign.objects.published(), slug=request.POST.get("campaign", ""))
    try:
        application = services.application_start(applicant=request.user, campaign=campaign,
                                                 exceptional=request.POST.get("track") == "exceptional")
    except ValidationError as exc:
        _fail(request, exc)
        return redirect(f"{reverse('applicants:my_certifications')}?campaign={campaign.slug}")
    return redirect("applicants:dossier", pk=application.pk)


def _entries_by_item(application) -> tuple[list[tuple], dict]:
    """([(catalogue item, its entries, each with its window flag)] for the application's level, the flags by
    entry): what the dossier page and the printed form both list."""
    entries = list(application.entries.all())
    flags = services.entry_window_flags(application=application, entries=entries)
    by_item = []
    for item in catalogue.items_for_level(application.level):
        rows = [e for e in entries if e.item_code == item.code]
        for e in rows:
            e.flag = flags.get(e.pk, "")
        by_item.append((item, rows))
    return by_item, flags


def _dossier_context(request, application, *, bound=None, narrative_form=None, scan_form=None):
    """Everything the dossier page shows; `bound` is an EntryForm that failed, re-rendered with its input."""
    sections = []
    by_item, flags = _entries_by_item(application)
    for item, rows in by_item:
        form = bound if bound is not None and bound.item.code == item.code else EntryForm(item=item, prefix=item.code)
        window = catalogue.window_for(item, campaign=application.campaign)
        sections.append({"item": item, "entries": rows, "form": form, "window": window,
                         "full": len(rows) >= item.max_entries})
    profile = selectors.profile_for(user=application.applicant)
    return {
        "application": application, "sections": sections, "section_titles": catalogue.SECTIONS,
        "narrative_form": narrative_form or NarrativeForm(initial={"narrative": application.narrative}),
        "scan_form": scan_form or ScanForm(), "withdraw_form": WithdrawForm(),
        "profile": profile, "missing": services.profile_missing(profile), "flags": flags,
        "is_senior": application.level == "senior",
    }


@login_required
def dossier(request, pk):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    return render(request, "applicants/dossier.html", _dossier_context(request, application))


@login_required
@require_POST
def entry_add(request, pk, item_code):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    item = catalogue.item_for(application.level, item_code)
    if item is None:
        raise Http404
    form = EntryForm(request.POST, request.FILES, item=item, prefix=item.code)
    if form.is_valid():
        try:
            services.dossier_entry_add(application=application, item_code=item.code, fields=form.text_values,
                                       occurred_on=form.cleaned_data["occurred_on"],
                                       attachment=form.cleaned_data["attachment"], actor=request.user,
                                       scope=form.cleaned_data.get("scope", ""),
                                       achievement_category=form.cleaned_data.get("achievement_category", ""),
                                       first_supervisor=form.cleaned_data.get("first_supervisor"))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{item.code} 条目已保存。")
            return redirect(f"{reverse('applicants:dossier', args=[application.pk])}#item-{item.code}")
    messages.error(request, f"{item.code} 条目未保存，请修正下列问题（已填写的内容保留在表单中，附件需重新选择）。")
    return render(request, "applicants/dossier.html", _dossier_context(request, application, bound=form),
                  status=400)


@login_required
@require_POST
def entry_delete(request, pk, entry_pk):
    require(request, "applicants.apply")
    entry = selectors.entry_of(user=request.user, application_pk=pk, entry_pk=entry_pk)
    try:
        services.dossier_entry_delete(entry=entry, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
    return redirect("applicants:dossier", pk=pk)


@login_required
def entry_file(request, pk, entry_pk):
    entry = selectors.entry_of(user=request.user, application_pk=pk, entry_pk=entry_pk)
    return private_file_response(entry.attachment, download_name=entry.attachment_name)


@login_required
@require_POST
def narrative_save(request, pk):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    form = NarrativeForm(request.POST)
    if form.is_valid():
        try:
            services.dossier_narrative_save(application=application, narrative=form.cleaned_data["narrative"],
                                            actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "简述已保存。")
            return redirect("applicants:dossier", pk=pk)
    return render(request, "applicants/dossier.html",
                  _dossier_context(request, application, narrative_form=form), status=400)


@login_required
@require_POST
def scan_upload(request, pk):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.dossier_scan_save(application=application, scan=form.cleaned_data["scan"], actor=request.user)
        except ValidationError as exc:
            form.add_error("scan", exc.messages)
        else:
            messages.success(request, "扫描件已上传。")
            return redirect(f"{reverse('applicants:dossier', args=[pk])}#submit")
    return render(request, "applicants/dossier.html", _dossier_context(request, application, scan_form=form),
                  status=400)


@login_required
def scan_file(request, pk):
    application = selectors.application_of(user=request.user, pk=pk)
    if not application.signed_scan:
        raise Http404
    return private_file_response(application.signed_scan, download_name=application.signed_scan_name)


def _photo_data_uri(profile) -> str:
    if not profile or not profile.photo:
        return ""
    with profile.photo.open("rb") as fh:
        data = fh.read()
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


# The 申报书's dossier tables use a fixed layout (the automatic one measured every cell first and took most of the
# render time). Widths in mm, text columns then date then attachment, are those the automatic layout chose for a
# full dossier, so the printed form keeps its look; an item not listed shares the width evenly.
FORM_PDF_TABLE_MM = 173.5
FORM_PDF_COLUMN_MM = {
    "B1": [28.3, 26.9, 28.3, 30.5, 32.6, 12.6, 14.3],
    "B2": [36.8, 33.0, 34.9, 38.7, 14.0, 16.1],
    "B3": [38.4, 38.1, 40.6, 16.7, 39.7],
    "C4": [25.8, 25.8, 25.8, 35.9, 29.2, 12.3, 18.6],
    "C5": [33.7, 36.0, 37.6, 33.7, 14.2, 18.2],
    "C6": [37.4, 37.4, 62.9, 15.1, 20.7],
}
FORM_PDF_DATE_MM, FORM_PDF_FILE_MM = 15.1, 20.7


def form_pdf_column_widths(item) -> list[float]:
    widths = FORM_PDF_COLUMN_MM.get(item.code)
    if widths and len(widths) == len(item.columns) + 2:
        return widths
    text = round((FORM_PDF_TABLE_MM - FORM_PDF_DATE_MM - FORM_PDF_FILE_MM) / max(1, len(item.columns)), 1)
    return [text] * len(item.columns) + [FORM_PDF_DATE_MM, FORM_PDF_FILE_MM]


def _form_pdf_context(application, profile) -> dict:
    """What the printed form shows, and nothing else: the dossier page's forms, windows and checks stay out."""
    sections = [{"item": item, "entries": rows, "col_widths": form_pdf_column_widths(item)}
                for item, rows in _entries_by_item(application)[0]]
    frozen = not application.is_editable and application.profile_snapshot
    return {
        "application": application, "sections": sections, "section_titles": catalogue.SECTIONS,
        "is_senior": application.level == "senior", "photo_uri": _photo_data_uri(profile),
        "font_face_css": mark_safe(cjk_font_face_css()),  # noqa: S308 - our own rules and file paths
        "a": application.profile_snapshot if frozen else (services.profile_form_data(profile) if profile else {}),
    }


@login_required
def form_pdf(request, pk):
    """The completed 申报书 to print, sign and seal."""
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    profile = selectors.profile_for(user=request.user)
    # Rendered once per version of the dossier: the stored PDF is served until the printed content changes. No
    # request in the template's context: the form uses none of the pages' context processors.
    html = render_to_string("applicants/form_pdf.html", _form_pdf_context(application, profile))
    pdf = services.form_pdf_for(application=application, html=html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="application-{application.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def submit(request, pk):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    try:
        if application.status == S.RETURNED:
            services.application_resubmit(application=application, actor=request.user)
            messages.success(request, "修改后的申报书已重新提交。")
        else:
            services.application_submit(application=application, actor=request.user)
            messages.success(request, f"申报书已提交，申报编号 {application.number}。请完成缴费。")
    except ValidationError as exc:
        _fail(request, exc)
        return redirect(f"{reverse('applicants:dossier', args=[pk])}#submit")
    return redirect("applicants:my_certifications")


@login_required
@require_POST
def withdraw(request, pk):
    require(request, "applicants.apply")
    application = selectors.application_of(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.application_withdraw(application=application, actor=request.user,
                                      reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("applicants:dossier", pk=pk)
    messages.success(request, "已取消报名。")
    return redirect("applicants:my_certifications")
