"""Pages of the publication stage: public notices and complaints, the committee's complaint workbench, the
secretariat's publication page, the holder's certificates, and public verification."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from applicants.models import ApplicantProfile, Application
from certification.models import Campaign
from certification.pdf import private_file_response
from certification.selectors import audit_trail

from . import credentials, selectors, services
from .forms import (
    ComplaintForm,
    DecisionForm,
    NoteForm,
    NoticeScheduleForm,
    RevokeForm,
    VerifyFileForm,
    VerifyForm,
)
from .models import Certificate, CertificateBatch, Complaint, ComplaintAttachment, PublicNotice
from .verification import verify_file


def _fail(request, exc: ValidationError):
    for m in exc.messages:
        messages.error(request, m)


# --- public notice and complaints ---------------------------------------------------------------------

def notice_list(request):
    return render(request, "certificates/notice_list.html", {"notices": selectors.public_notices()})


def notice_detail(request, slug):
    notice = get_object_or_404(PublicNotice.objects.select_related("campaign__authority"), campaign__slug=slug,
                               status__in=[PublicNotice.Status.OPEN, PublicNotice.Status.CLOSED])
    return render(request, "certificates/notice_detail.html", {
        "notice": notice, "entries": selectors.notice_public_entries(notice),
        "accepting": notice.accepts_complaints()})


def complaint_create(request, slug, entry_pk):
    notice = get_object_or_404(PublicNotice, campaign__slug=slug,
                               status__in=[PublicNotice.Status.OPEN, PublicNotice.Status.CLOSED])
    entry = get_object_or_404(selectors.notice_public_entries(notice), pk=entry_pk)
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _throttled(request, "complaint"):
        form.add_error(None, "提交过于频繁，请稍后再试。")
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            complaint = services.complaint_lodge(
                entry=entry, name=d["complainant_name"], phone=d["complainant_phone"], email=d["complainant_email"],
                content=d["content"], files=d["attachments"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(request, "certificates/complaint_done.html", {"complaint": complaint, "notice": notice})
    elif request.method == "GET" and not notice.accepts_complaints():
        form.add_error(None, f"公示期已于{notice.ends_on:%Y年%m月%d日}结束，不再受理投诉。")
    return render(request, "certificates/complaint_form.html", {"form": form, "notice": notice, "entry": entry})


# --- supervision committee ----------------------------------------------------------------------------

def _committee(request):
    if not request.user.has_perm("certificates.handle_complaints"):
        raise PermissionDenied


@login_required
def complaint_list(request):
    _committee(request)
    complaints = selectors.complaints_for_committee()
    return render(request, "certificates/complaint_list.html", {
        "open": [c for c in complaints if c.is_open], "decided": [c for c in complaints if not c.is_open]})


@login_required
def complaint_detail(request, pk):
    _committee(request)
    complaint = get_object_or_404(Complaint.objects.select_related("notice__campaign", "entry__application"), pk=pk)
    note_form, decision_form = NoteForm(), DecisionForm()
    if request.method == "POST":
        try:
            if "note" in request.POST:
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    services.complaint_add_note(complaint=complaint, actor=request.user,
                                                text=note_form.cleaned_data["text"])
                    messages.success(request, "调查记录已保存。")
                    return redirect("certificates:complaint_detail", pk=pk)
            else:
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    upheld = decision_form.cleaned_data["decision"] == "upheld"
                    services.complaint_decide(complaint=complaint, actor=request.user, upheld=upheld,
                                              reason=decision_form.cleaned_data["reason"])
                    messages.success(request, "已作出决定：" + ("投诉属实，已取消该申请人的认证。" if upheld
                                                              else "不予支持。") + "已通知投诉人。")
                    return redirect("certificates:complaint_list")
        except ValidationError as exc:
            _fail(request, exc)
    return render(request, "certificates/complaint_detail.html", {
        "complaint": complaint, "note_form": note_form, "decision_form": decision_form,
        "trail": audit_trail(subject=complaint)})


@login_required
def complaint_attachment(request, pk, att_pk):
    _committee(request)
    att = get_object_or_404(ComplaintAttachment, pk=att_pk, complaint_id=pk)
    return private_file_response(att.file, download_name=att.original_name)


# --- secretariat: notice, certificates, mailing list --------------------------------------------------

def _campaign_for_staff(request, slug) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("authority"), slug=slug)
    if not request.user.has_perm("certificates.manage_publication", campaign):
        raise PermissionDenied
    return campaign


@login_required
def publication(request, slug):
    campaign = _campaign_for_staff(request, slug)
    notice = PublicNotice.objects.filter(campaign=campaign).first()
    if request.method == "POST" and notice is None:
        form = NoticeScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.notice_schedule(campaign=campaign, actor=request.user,
                                         starts_on=form.cleaned_data["starts_on"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "公示已安排。")
                return redirect("certificates:publication", slug=slug)
    else:
        form = NoticeScheduleForm()
    certified = Application.objects.filter(campaign=campaign, status=Application.Status.CERTIFIED).count()
    complaints = (notice.complaints.aggregate(total=Count("pk"), open=Count(
        "pk", filter=Q(status__in=[Complaint.Status.RECEIVED, Complaint.Status.INVESTIGATING])))
        if notice else {"total": 0, "open": 0})
    return render(request, "certificates/publication.html", {
        "campaign": campaign, "notice": notice, "form": form, "certified": certified, "complaints": complaints,
        "ready": selectors.campaign_ready_for_notice(campaign),
        "batch": CertificateBatch.objects.filter(campaign=campaign).first(),
        "certificates": Certificate.objects.filter(campaign=campaign).order_by("serial")[:500],
        "preview_end": _preview_end(campaign)})


def _preview_end(campaign):
    from django.utils import timezone

    try:
        return services.notice_end_date(campaign=campaign, starts_on=timezone.localdate())
    except ValidationError as exc:
        return exc.messages[0]


@login_required
@require_POST
def batch_start(request, slug):
    campaign = _campaign_for_staff(request, slug)
    try:
        batch = services.certificate_batch_start(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("certificates:publication", slug=slug)
    return redirect("certificates:batch", pk=batch.pk)


@login_required
def batch_detail(request, pk):
    batch = get_object_or_404(CertificateBatch.objects.select_related("campaign"), pk=pk)
    _campaign_for_staff(request, batch.campaign.slug)
    return render(request, "certificates/batch.html", {"batch": batch})


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value) -> str:
    """A spreadsheet cell that can never run as a formula (OWASP CSV injection): a leading =, +, -, @, tab or
    carriage return is neutralised with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@login_required
def mailing_list(request, slug):
    campaign = _campaign_for_staff(request, slug)
    if not campaign.paper_certificate:
        raise Http404("该认证活动不邮寄纸质证书。")
    certs = (Certificate.objects.filter(campaign=campaign, status=Certificate.Status.VALID)
             .select_related("application").order_by("serial"))
    profiles = {p.user_id: p for p in ApplicantProfile.objects.filter(user__in=[c.holder_id for c in certs])}
    buf = io.StringIO()
    buf.write("\ufeff")  # so spreadsheet programs read the Chinese as UTF-8
    w = csv.writer(buf)
    w.writerow(["证书编号", "姓名", "邮寄地址", "邮政编码", "联系电话"])
    for c in certs:
        p, snap = profiles.get(c.holder_id), c.application.profile_snapshot or {}
        w.writerow([formula_safe(v) for v in (
            c.number, c.holder_name, (p.mailing_address if p else "") or snap.get("mailing_address", ""),
            (p.postcode if p else "") or snap.get("postcode", ""), (p.mobile if p else "") or snap.get("mobile", ""))])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mailing-{campaign.slug}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- holder -------------------------------------------------------------------------------------------

@login_required
def my_certificates(request):
    return render(request, "certificates/mine.html", {"certificates": selectors.certificates_of(request.user)})


def _own_certificate(request, pk) -> Certificate:
    cert = get_object_or_404(Certificate, pk=pk)
    if not request.user.has_perm("certificates.download_certificate", cert):
        raise Http404
    if not cert.is_ready:
        raise Http404("证书尚在生成中。")
    return cert


@login_required
def certificate_pdf(request, pk):
    cert = _own_certificate(request, pk)
    return private_file_response(cert.pdf, download_name=f"证书-{cert.number}.pdf")


@login_required
def certificate_credential(request, pk):
    cert = _own_certificate(request, pk)
    response = HttpResponse(cert.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.jwt"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_revoke(request, pk):
    if not request.user.has_perm("certificates.revoke_certificate"):
        raise PermissionDenied
    cert = get_object_or_404(Certificate.objects.select_related("campaign"), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(certificate=cert, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason" if exc.code == "reason_required" else None, exc)
        else:
            messages.success(request, f"证书 {cert.number} 已撤销，已通知持证人。")
            return redirect("certificates:revoke", pk=pk)
    return render(request, "certificates/revoke.html", {"certificate": cert, "form": form})


@login_required
def certificate_search(request):
    """Administrators and the committee find a certificate to revoke."""
    if not request.user.has_perm("certificates.revoke_certificate"):
        raise PermissionDenied
    q = (request.GET.get("q") or "").strip()
    found = Certificate.objects.filter(Q(number__icontains=q) | Q(holder_name=q))[:50] if q else []
    return render(request, "certificates/search.html", {"q": q, "found": found})


# --- public verification ------------------------------------------------------------------------------

def _throttled(request, group) -> bool:
    return is_ratelimited(request, group=f"certificates.verify.{group}", key="ip",
                          rate=settings.CERTIFICATE_VERIFY_RATE, increment=True)


def verify(request):
    form, file_form, result, cert = VerifyForm(), VerifyFileForm(), None, None
    status = 200
    if request.method == "POST":
        if _throttled(request, "form"):
            messages.error(request, "查验过于频繁，请稍后再试。")
            status = 429
        elif "file" in request.FILES:
            file_form = VerifyFileForm(request.POST, request.FILES)
            if file_form.is_valid():
                f = file_form.cleaned_data["file"]
                if f.size > 10 * 1024 * 1024:
                    file_form.add_error("file", "文件不能超过10MB。")
                else:
                    result = verify_file(f.read())
                    cert = result.certificate
        else:
            form = VerifyForm(request.POST)
            if form.is_valid():
                cert = selectors.certificate_lookup(number=form.cleaned_data["number"],
                                                    name=form.cleaned_data["name"])
                if cert is None:
                    form.add_error(None, "未找到与该编号和姓名相符的证书，请核对后重试。")
    return render(request, "certificates/verify.html",
                  {"form": form, "file_form": file_form, "result": result, "certificate": cert}, status=status)


def verify_link(request, token):
    if _throttled(request, "link"):
        return render(request, "certificates/verify.html", {"form": VerifyForm(), "file_form": VerifyFileForm(),
                                                            "throttled": True}, status=429)
    cert = Certificate.objects.select_related("campaign").filter(verify_token=token).first()
    if cert is None:
        raise Http404("未找到该证书。")
    return render(request, "certificates/verify.html",
                  {"form": VerifyForm(), "file_form": VerifyFileForm(), "certificate": cert, "via_link": True})


def status_list(request):
    response = HttpResponse(credentials.status_list_jwt(), content_type="application/vc+jwt")
    response["Cache-Control"] = "public, max-age=60"
    return response


def did_json(request):
    return JsonResponse(credentials.did_document(), content_type="application/did+json")


def jwks(request):
    from . import signing

    return JsonResponse({"keys": [signing.public_jwk()]})

