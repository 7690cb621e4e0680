"""Writes of the publication stage: the public notice, complaints, certificates and their revocation.

Every state change goes through `certification.workflow.transition()`; the application moves only through
`applicants.services.application_transition`. Keyword-only arguments throughout.
"""

import datetime as dt
import logging
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from applicants.files import EVIDENCE_MAX_BYTES, safe_display_name, validate_pdf
from applicants.models import ApplicantProfile, Application
from applicants.services import application_transition
from certification.models import Authority, Campaign
from certification.notifications import notification_queue, notify_user
from certification.workdays import WorkdayCalendar
from certification.workflow import audit, transition

from . import selectors
from .models import (
    Certificate,
    CertificateBatch,
    CertificateCounter,
    Complaint,
    ComplaintAttachment,
    ComplaintNote,
    NoticeEntry,
    PublicNotice,
)

log = logging.getLogger(__name__)
N = PublicNotice.Status
C = Complaint.Status
AS = Application.Status

NOTICE_TRANSITIONS = {N.SCHEDULED: {N.OPEN}, N.OPEN: {N.CLOSED}, N.CLOSED: set()}
COMPLAINT_TRANSITIONS = {
    C.RECEIVED: {C.INVESTIGATING, C.UPHELD, C.DISMISSED},
    C.INVESTIGATING: {C.UPHELD, C.DISMISSED},
    C.UPHELD: set(),
    C.DISMISSED: set(),
}
CERTIFICATE_TRANSITIONS = {Certificate.Status.VALID: {Certificate.Status.REVOKED}, Certificate.Status.REVOKED: set()}
MAX_COMPLAINT_ATTACHMENTS = 3
LEVEL_CODES = {"junior": "1", "intermediate": "2", "senior": "3"}


# --- public notice -------------------------------------------------------------------------------------

def notice_end_date(*, campaign: Campaign, starts_on: dt.date) -> dt.date:
    """The last day of the notice, from the holiday table (refused for a year the table does not cover)."""
    return WorkdayCalendar().add_working_days(starts_on, campaign.notice_working_days,
                                              first_day_counts=campaign.notice_first_day_counts)


def notice_schedule(*, campaign: Campaign, actor, starts_on: dt.date, now: dt.datetime | None = None) -> PublicNotice:
    """Post the certified list of a campaign from `starts_on`; it opens now if that is today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if PublicNotice.objects.filter(campaign=campaign).exists():
        raise ValidationError("该认证活动已经安排过公示。", code="notice_exists")
    if not selectors.campaign_ready_for_notice(campaign):
        raise ValidationError("该认证活动还没有可公示的认证通过名单（认证结果尚未发布）。", code="not_ready")
    if starts_on < today:
        raise ValidationError("公示开始日期不能早于今天。", code="start_in_past")
    ends_on = notice_end_date(campaign=campaign, starts_on=starts_on)
    with transaction.atomic():
        notice = PublicNotice(campaign=campaign, starts_on=starts_on, ends_on=ends_on,
                              working_days=campaign.notice_working_days,
                              first_day_counts=campaign.notice_first_day_counts, created_by=actor)
        notice.full_clean()
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            raise ValidationError("该认证活动已经安排过公示。", code="notice_exists") from None
        audit(subject=notice, action="certificates.notice.scheduled", actor=actor, to_state=notice.status,
              reason=f"{starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}")
        if starts_on <= today:
            notice_open(notice=notice, actor=actor, now=now)
    return notice


def notice_open(*, notice: PublicNotice, actor=None, now: dt.datetime | None = None) -> PublicNotice:
    """Open the notice: the list is taken from the applications certified at this moment."""
    now = now or timezone.now()
    if timezone.localdate(now) < notice.starts_on:
        raise ValidationError(f"公示定于{notice.starts_on:%Y年%m月%d日}开始。", code="too_early")

    def apply(n):
        n.opened_at = now
        apps = (Application.objects.filter(campaign_id=n.campaign_id, status=AS.CERTIFIED)
                .select_related("applicant").order_by("number", "pk"))
        profiles = {p.user_id: p for p in ApplicantProfile.objects.filter(user__in=[a.applicant_id for a in apps])}
        rows = []
        for a in apps:
            snap, profile = a.profile_snapshot or {}, profiles.get(a.applicant_id)
            rows.append(NoticeEntry(
                notice=n, application=a, level=a.level,
                full_name=snap.get("full_name") or (profile.full_name if profile else "") or str(a.applicant),
                employer=snap.get("employer") or (profile.employer if profile else "")))
        NoticeEntry.objects.bulk_create(rows)

    return transition(instance=notice, to=N.OPEN, actor=actor, allowed=NOTICE_TRANSITIONS,
                      action="certificates.notice.opened", apply=apply)


def notice_close(*, notice: PublicNotice, actor=None, now: dt.datetime | None = None) -> PublicNotice:
    now = now or timezone.now()
    if now <= notice.closes_at:
        raise ValidationError(f"公示期至{notice.ends_on:%Y年%m月%d日}结束，尚未届满。", code="still_open")

    def apply(n):
        n.closed_at = now

    return transition(instance=notice, to=N.CLOSED, actor=actor, allowed=NOTICE_TRANSITIONS,
                      action="certificates.notice.closed", apply=apply)


def notices_advance(*, now: dt.datetime | None = None) -> dict:
    """The periodic task: open notices whose first day has come, close those whose last day has passed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    opened = closed = 0
    for notice in PublicNotice.objects.filter(status=N.SCHEDULED, starts_on__lte=today):
        notice_open(notice=notice, now=now)
        opened += 1
    for notice in PublicNotice.objects.filter(status=N.OPEN, ends_on__lt=today):
        notice_close(notice=notice, now=now)
        closed += 1
    return {"opened": opened, "closed": closed}


# --- complaints ----------------------------------------------------------------------------------------

def _complaint_reference(notice: PublicNotice) -> str:
    return f"TS{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def complaint_lodge(*, entry: NoticeEntry, name: str, phone: str, email: str, content: str, files=(),
                    now: dt.datetime | None = None) -> Complaint:
    """Anyone may complain about a listed person while the notice runs; afterwards it is refused."""
    now = now or timezone.now()
    notice = PublicNotice.objects.get(pk=entry.notice_id)
    if not notice.accepts_complaints(now):
        if notice.status == N.SCHEDULED or now < notice.opens_at:
            raise ValidationError("公示尚未开始，暂不受理投诉。", code="notice_not_open")
        raise ValidationError(f"公示期已于{notice.ends_on:%Y年%m月%d日}结束，不再受理投诉。", code="notice_closed")
    files = [f for f in files if f]
    if len(files) > MAX_COMPLAINT_ATTACHMENTS:
        raise ValidationError(f"附件最多{MAX_COMPLAINT_ATTACHMENTS}个。", code="too_many_files")
    for i, f in enumerate(files, 1):
        validate_pdf(f, limit=EVIDENCE_MAX_BYTES, label=f"附件{i}（{safe_display_name(f.name)}）")
    complaint = Complaint(notice=notice, entry=entry, complainant_name=(name or "").strip(),
                          complainant_phone=(phone or "").strip(), complainant_email=(email or "").strip(),
                          content=(content or "").strip(), created_at=now, reference=_complaint_reference(notice))
    complaint.full_clean()
    with transaction.atomic():
        complaint.save()
        for f in files:
            att = ComplaintAttachment(complaint=complaint, original_name=safe_display_name(f.name))
            att.file.save(f.name, f, save=False)
            att.save()
        audit(subject=complaint, action="certificates.complaint.lodged", to_state=complaint.status,
              reason=f"被投诉人：{entry.full_name}")
        notification_queue(template="complaint_received", to_email=complaint.complainant_email,
                           context={"complaint": complaint})
    return complaint


def complaint_add_note(*, complaint: Complaint, actor, text: str) -> ComplaintNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写调查记录。", code="empty_note")
    with transaction.atomic():
        if complaint.status == C.RECEIVED:
            transition(instance=complaint, to=C.INVESTIGATING, actor=actor, allowed=COMPLAINT_TRANSITIONS,
                       action="certificates.complaint.investigating")
        elif not complaint.is_open:
            raise ValidationError("该投诉已作出决定，不能再添加调查记录。", code="decided")
        note = ComplaintNote(complaint=complaint, author=actor, text=text)
        note.full_clean()
        note.save()
        audit(subject=complaint, action="certificates.complaint.noted", actor=actor, reason=text[:200])
    return note


def complaint_decide(*, complaint: Complaint, actor, upheld: bool, reason: str) -> Complaint:
    """Upheld: the certification is cancelled (application → cancelled, the applicant is told).
    Dismissed: with a reason. The complainant is told either way."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写处理意见（决定理由）。", code="reason_required")
    to = C.UPHELD if upheld else C.DISMISSED
    action = "certificates.complaint.upheld" if upheld else "certificates.complaint.dismissed"

    def apply(c):
        c.decision_reason = reason
        c.decided_by = actor
        c.decided_at = timezone.now()

    def notify(c):
        notification_queue(template="complaint_decided", to_email=c.complainant_email, context={"complaint": c})

    with transaction.atomic():
        complaint = transition(instance=complaint, to=to, actor=actor, allowed=COMPLAINT_TRANSITIONS,
                               action=action, reason=reason, apply=apply, notify=notify)
        if upheld:
            application = Application.objects.select_for_update().get(pk=complaint.entry.application_id)
            if hasattr(application, "certificate"):
                raise ValidationError("该申请人的证书已经颁发，请改用撤销证书。", code="already_issued")
            if application.status == AS.CERTIFIED:
                application_transition(application=application, to=AS.CANCELLED, actor=actor,
                                       action="certificates.complaint.upheld",
                                       reason=f"公示期间投诉经查实（{complaint.reference}）：{reason}")
    return complaint


# --- certificates --------------------------------------------------------------------------------------

def issuer_authorities(campaign: Campaign) -> list[Authority]:
    """The national association and, for a provincial campaign, the provincial association (notice 001 第八条:
    由中国青少年科技教育工作者协会和吉林省青少年科技教育协会颁发)."""
    national = Authority.objects.filter(kind=Authority.Kind.NATIONAL).order_by("pk").first()
    out = [national] if national else []
    if campaign.authority.kind == Authority.Kind.PROVINCIAL:
        out.append(campaign.authority)
    return out


def certificate_number(*, campaign: Campaign, serial: int) -> str:
    """`{year}{level}{authority}{serial}`: campaign year, level digit (1 初级, 2 中级, 3 高级), the authority's
    two-digit province code (00 for the national association) and a five-digit serial per campaign; a demo
    campaign's numbers start with "YS" (演示) so they never collide with a real one."""
    authority = campaign.authority
    code = authority.province.code[:2] if authority.province_id else "00"
    return f"{'YS' if campaign.is_demo else ''}{campaign.year}{LEVEL_CODES[campaign.level]}{code}{serial:05d}"


def _check_batch_allowed(campaign: Campaign, now: dt.datetime) -> None:
    notice = PublicNotice.objects.filter(campaign=campaign).first()
    if notice is None:
        raise ValidationError("该认证活动尚未公示，不能颁发证书。", code="no_notice")
    if notice.status != N.CLOSED:
        raise ValidationError(f"公示期至{notice.ends_on:%Y年%m月%d日}结束，公示结束后方可颁发证书。",
                              code="notice_open")
    pending = notice.complaints.filter(status__in=[C.RECEIVED, C.INVESTIGATING]).count()
    if pending:
        raise ValidationError(f"尚有{pending}件投诉未作出决定，请监督委员会处理后再颁发证书。",
                              code="complaints_pending")


def certificate_issue(*, application: Application, actor=None, issued_on: dt.date | None = None) -> Certificate:
    """Give one certified application its number, under the campaign counter's row lock, in one transaction
    with the certificate row: a crash either keeps both or neither, so numbers have no gaps or duplicates."""
    with transaction.atomic():
        app = Application.objects.select_for_update(of=("self",)).select_related("campaign__authority__province").get(
            pk=application.pk)
        existing = Certificate.objects.filter(application=app).first()
        if existing:
            return existing
        if app.status != AS.CERTIFIED:
            raise ValidationError(f"申请 {app.number} 不是认证通过状态，不能颁发证书。", code="not_certified")
        campaign = app.campaign
        CertificateCounter.objects.get_or_create(campaign=campaign)
        counter = CertificateCounter.objects.select_for_update().get(campaign=campaign)
        entry = NoticeEntry.objects.filter(application=app).first()
        snap = app.profile_snapshot or {}
        cert = Certificate(
            application=app, campaign=campaign, holder_id=app.applicant_id, serial=counter.next_serial,
            number=certificate_number(campaign=campaign, serial=counter.next_serial),
            holder_name=(entry.full_name if entry else "") or snap.get("full_name") or str(app.applicant),
            level=app.level, issuers=[a.name for a in issuer_authorities(campaign)],
            issued_on=issued_on or timezone.localdate(), verify_token=secrets.token_urlsafe(18)[:24])
        cert.full_clean()
        cert.save()
        counter.next_serial = F("next_serial") + 1
        counter.save(update_fields=["next_serial"])
        audit(subject=cert, action="certificates.certificate.issued", actor=actor, to_state=cert.status,
              reason=cert.number)
        audit(subject=app, action="certificates.certificate.issued", actor=actor, reason=cert.number)
    return cert


def certificate_render(*, certificate: Certificate) -> Certificate:
    """Render, sign and store the PDF and the credential (idempotent: a finished certificate is left alone)."""
    from .credentials import issue_credential
    from .render import certificate_pdf

    if certificate.is_ready:
        return certificate
    pdf = certificate_pdf(certificate)
    credential = issue_credential(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.is_ready:
            return locked
        locked.pdf.save(f"{locked.number}.pdf", ContentFile(pdf), save=False)
        locked.credential = credential
        locked.save(update_fields=["pdf", "credential"])
        notify_user(user=locked.holder, template="certificate_issued", context={"certificate": locked})
    return locked


def certificate_batch_start(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> CertificateBatch:
    """Queue certificate generation for every certified application of a campaign whose notice has ended."""
    from .tasks import run_certificate_batch

    now = now or timezone.now()
    _check_batch_allowed(campaign, now)
    unfinished = CertificateBatch.objects.filter(campaign=campaign, status__in=["queued", "running"]).first()
    if unfinished:
        # A batch whose worker died (or is still busy) is resumed, not duplicated: issuing is idempotent per
        # application, so a second run only does what is missing.
        transaction.on_commit(lambda: run_certificate_batch.delay(unfinished.pk))
        return unfinished
    todo = selectors.applications_awaiting_certificate(campaign).count()
    if not todo:
        raise ValidationError("没有需要生成的证书（均已生成）。", code="nothing_to_do")
    with transaction.atomic():
        batch = CertificateBatch.objects.create(campaign=campaign, total=todo, created_by=actor)
        audit(subject=batch, action="certificates.batch.started", actor=actor, reason=f"{todo}张")
        transaction.on_commit(lambda: run_certificate_batch.delay(batch.pk))
    return batch


def certificate_batch_chunks(*, batch_id: int, chunk_size: int) -> list[list[int]]:
    """Mark the batch running and split its work into chunks of application ids."""
    with transaction.atomic():
        batch = CertificateBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == CertificateBatch.Status.QUEUED:
            batch.status = CertificateBatch.Status.RUNNING
            batch.started_at = timezone.now()
            batch.save(update_fields=["status", "started_at"])
    ids = list(selectors.applications_awaiting_certificate(batch.campaign).values_list("pk", flat=True))
    if not ids:
        _batch_finish(batch_id)
    return [ids[i:i + chunk_size] for i in range(0, len(ids), chunk_size)]


def certificate_batch_run_chunk(*, batch_id: int, application_ids: list[int]) -> None:
    """Issue and render the certificates of one chunk, counting progress after each one."""
    for app_id in application_ids:
        try:
            cert = certificate_issue(application=Application(pk=app_id))
            certificate_render(certificate=cert)
            CertificateBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
        except Exception as exc:  # noqa: BLE001 — one bad certificate must not stop the batch; it is recorded
            log.exception("certificate for application %s failed", app_id)
            with transaction.atomic():
                batch = CertificateBatch.objects.select_for_update().get(pk=batch_id)
                batch.failed += 1
                batch.errors = [*batch.errors, {"application": app_id, "error": f"{type(exc).__name__}: {exc}"}][-50:]
                batch.save(update_fields=["failed", "errors"])
    _batch_finish(batch_id)


def _batch_finish(batch_id: int) -> None:
    with transaction.atomic():
        batch = CertificateBatch.objects.select_for_update().get(pk=batch_id)
        if batch.finished:
            return
        remaining = selectors.applications_awaiting_certificate(batch.campaign).exists()
        if batch.done + batch.failed >= batch.total or not remaining:
            batch.status = CertificateBatch.Status.FAILED if batch.failed else CertificateBatch.Status.DONE
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            audit(subject=batch, action="certificates.batch.finished", from_state="running", to_state=batch.status,
                  reason=f"生成{batch.done}张，失败{batch.failed}张")


def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke with a reason (notice 001: 认证后如受到党纪处分、行政处罚的将收回认证). Verification then says
    revoked, the status list flips its bit, the holder is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("撤销证书必须填写原因。", code="reason_required")

    def apply(c):
        c.revoked_at = timezone.now()
        c.revoked_reason = reason
        c.revoked_by = actor

    def notify(c):
        notify_user(user=c.holder, template="certificate_revoked", context={"certificate": c})
        audit(subject=c.application, action="certificates.certificate.revoked", actor=actor, reason=reason)

    return transition(instance=certificate, to=Certificate.Status.REVOKED, actor=actor,
                      allowed=CERTIFICATE_TRANSITIONS, action="certificates.certificate.revoked", reason=reason,
                      apply=apply, notify=notify)
