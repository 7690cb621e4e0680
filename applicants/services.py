"""Writes for applicants: profile, applications and their dossiers. Every state change goes through
`application_transition` (which uses `certification.workflow.transition`).

Higher apps are told what happened through `applicants.signals` (sent inside the service's transaction);
this app never imports them. The payments app calls `application_mark_paid` once the fee is settled.
"""

import datetime as dt
import hashlib

import tablib
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from certification import idcard
from certification.db import run_atomic_with_retry
from certification.enums import Level
from certification.models import Campaign
from certification.notifications import notify_user
from certification.workflow import audit, transition

from . import catalogue, eligibility, signals
from .files import photo_for_print, safe_display_name, validate_pdf, validate_scan
from .models import ApplicantProfile, Application, DossierEntry, LegacyImportJob

S = Application.Status
APPLICATION_TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.UNDER_REVIEW, S.WITHDRAWN},
    S.UNDER_REVIEW: {S.RETURNED, S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN},
    S.RETURNED: {S.UNDER_REVIEW, S.INELIGIBLE, S.WITHDRAWN},
    # Exceptional track: eligible goes straight to certified (it then waits for the public notice).
    S.ELIGIBLE: {S.PORTFOLIO_REVIEW, S.CERTIFIED},
    S.INELIGIBLE: set(),
    # Junior campaigns end after the portfolio (or the exam); senior ones go on to the defense.
    S.PORTFOLIO_REVIEW: {S.EXAM, S.CERTIFIED, S.NOT_CERTIFIED},
    S.EXAM: {S.SHORTLISTED, S.NOT_SHORTLISTED, S.CERTIFIED, S.NOT_CERTIFIED},
    S.SHORTLISTED: {S.CERTIFIED, S.NOT_CERTIFIED},
    S.NOT_SHORTLISTED: set(),
    S.CERTIFIED: {S.CANCELLED},
    S.NOT_CERTIFIED: set(),
    S.CANCELLED: set(),
    S.WITHDRAWN: set(),
}
LEVEL_CODES = {Level.JUNIOR: "1", Level.INTERMEDIATE: "2", Level.SENIOR: "3"}


def application_transition(*, application: Application, to: str, actor, action: str, reason: str = "",
                           apply=None, template: str | None = "application_status_changed",
                           already_locked: bool = False) -> Application:
    def notify(app):
        if template:
            notify_user(user=app.applicant, template=template, context={"application": app, "reason": reason})

    return transition(instance=application, to=to, actor=actor, allowed=APPLICATION_TRANSITIONS,
                      action=action, reason=reason, apply=apply, notify=notify, already_locked=already_locked)


# --- profile -----------------------------------------------------------------------------------------

def profile_get_or_create(*, user) -> ApplicantProfile:
    profile, _ = ApplicantProfile.objects.get_or_create(
        user=user, defaults={"full_name": user.full_name or "", "email": user.email, "mobile": user.mobile})
    return profile


def profile_save(*, profile: ApplicantProfile, actor, photo=None) -> ApplicantProfile:
    """Derive birth date and gender from the ID number, check the photo by content, save."""
    if profile.id_number:
        info = idcard.parse_id_number(profile.id_number)
        profile.id_number = info.number
        profile.birth_date = info.birth_date
        profile.gender = info.gender
    if profile.mobile:
        idcard.validate_mainland_mobile(profile.mobile)
        profile.mobile = idcard.normalize_mobile(profile.mobile)
    if photo is not None:
        # Stored re-encoded at the size the form prints: never the uploaded bytes (or their pixel count).
        profile.photo.save("photo.jpg", photo_for_print(photo, label="照片"), save=False)
    profile.full_clean()
    profile.save()
    return profile


def profile_missing(profile: ApplicantProfile | None) -> list[str]:
    """What the printed form needs before it can be submitted."""
    if profile is None:
        return ["基本情况"]
    required = ["full_name", "ethnicity", "id_number", "education", "major", "employer", "province",
                "position", "mobile", "email", "mailing_address", "postcode", "statement", "work_start_date"]
    missing = [str(ApplicantProfile._meta.get_field(f).verbose_name) for f in required
               if not getattr(profile, "province_id" if f == "province" else f)]
    if not profile.photo:
        missing.append("1寸免冠彩色近照")
    if not profile.declaration_accepted:
        missing.append("职业道德声明")
    return missing


# --- applications ------------------------------------------------------------------------------------

def start_refusal(*, campaign: Campaign, applications) -> ValidationError | None:
    """Why the applicant may not open a new draft for `campaign`, given their applications (any campaign), or
    None. One level per campaign year, and a level once submitted stays taken even after withdrawal (notice
    002 二.2 "申报后不允许更换"); a campaign withdrawn from cannot be entered again. Pages use it to offer only
    the starts the service would accept."""
    mine = [a for a in applications if a.year == campaign.year]
    here = next((a for a in mine if a.campaign_id == campaign.pk), None)
    holding = next((a for a in mine if a.campaign_id != campaign.pk
                    and (a.status != S.WITHDRAWN or a.submitted_at is not None)), None)
    if holding is not None:
        if holding.status == S.WITHDRAWN:
            return ValidationError(
                f"您已于{timezone.localtime(holding.submitted_at):%Y年%m月%d日}提交{holding.year}年度"
                f"{holding.get_level_display()}认证申报（后已取消报名）。同一认证年度只能申报一个级别，"
                "且申报后不允许更换。", code="level_fixed")
        return ValidationError(f"同一认证年度只能申报一个级别，您{holding.year}年度已申报"
                               f"{holding.get_level_display()}认证。", code="one_level_per_year")
    if here is not None and here.status == S.WITHDRAWN:
        return ValidationError("您已取消本活动的报名，不能再次报名。", code="withdrawn")
    return None


def application_start(*, applicant, campaign: Campaign, now: dt.datetime | None = None,
                      exceptional: bool = False) -> Application:
    """Open a draft for an open campaign. One level per applicant per campaign year (DB constraint), and once
    an application was submitted its year's level stays taken even after withdrawal (notice 002 二.2
    "申报后不允许更换").

    The exceptional track (破格认证) is chosen here, only when the engine finds its condition met. For the
    regular track, criteria the profile already decides (education, work years, prior certification,
    applicant category, unit bar) refuse the draft when failed; the rest is checked at submission.
    """
    now = now or timezone.now()
    if campaign.status != Campaign.Status.PUBLISHED or campaign.phase(now) != Campaign.Phase.OPEN:
        raise ValidationError("该认证活动当前不在报名期内。", code="campaign_closed")
    existing = Application.objects.filter(applicant=applicant, campaign=campaign).first()
    if existing and existing.status != S.WITHDRAWN:
        return existing
    refusal = start_refusal(campaign=campaign, applications=Application.objects.filter(
        applicant=applicant, year=campaign.year).select_related("campaign"))
    if refusal is not None:
        raise refusal
    profile = ApplicantProfile.objects.filter(user=applicant).select_related("province").first()
    result = eligibility.self_check(profile=profile, campaign=campaign, today=timezone.localdate(now))
    track = Application.Track.REGULAR
    if exceptional:
        if not result.exceptional:
            raise ValidationError("您未满足该认证的破格条件，请按常规认证申报。", code="not_exceptional")
        track = Application.Track.EXCEPTIONAL
    else:
        blockers = eligibility.start_blockers(result=result, profile=profile)
        if blockers:
            raise ValidationError(eligibility.blocking_message(blockers, when="不能开始申报"), code="ineligible")
    try:
        with transaction.atomic():
            application = Application.objects.create(applicant=applicant, campaign=campaign, level=campaign.level,
                                                     year=campaign.year, track=track)
            audit(subject=application, action="applicants.application.started", actor=applicant, to_state=S.DRAFT)
    except IntegrityError:
        raise ValidationError("同一认证年度只能申报一个级别。", code="one_level_per_year") from None
    return application


def _amendment_overdue(application: Application, now: dt.datetime | None = None) -> bool:
    return application.status == S.RETURNED and bool(application.amendment_deadline) and \
        (now or timezone.now()) > application.amendment_deadline


def dossier_editable(application: Application, *, now: dt.datetime | None = None) -> bool:
    """Whether the applicant may still change the dossier (the check every dossier write makes)."""
    return application.is_editable and not _amendment_overdue(application, now)


def _require_editable(application: Application) -> None:
    if not application.is_editable:
        raise ValidationError("申报书已提交锁定，不能再修改。", code="locked")
    if _amendment_overdue(application):
        raise ValidationError("修改期限已过，不能再修改。", code="amendment_overdue")


def dossier_entry_add(*, application: Application, item_code: str, fields: dict, occurred_on: dt.date,
                      attachment, actor, scope: str = "", achievement_category: str = "",
                      first_supervisor: bool | None = None) -> DossierEntry:
    """One row of a dossier table. `achievement_category` is asked where the table holds more than one kind of
    result (B2: 专业评比获奖 or 优秀科技辅导员表彰奖励); `first_supervisor` where a rule needs it (E1)."""
    _require_editable(application)
    item = catalogue.item_for(application.level, item_code)
    if item is None:
        raise ValidationError("没有这个申报项目。")
    errors = {}
    clean_fields = {}
    for col in item.columns:
        value = (fields.get(col.key) or "").strip()
        if not value:
            errors[col.key] = f"请填写“{col.label}”。"
        elif len(value) > item.max_chars:
            errors[col.key] = f"“{col.label}”不能超过{item.max_chars}字（当前{len(value)}字）。"
        clean_fields[col.key] = value
    if occurred_on is None:
        errors["occurred_on"] = f"请填写“{item.date_label}”。"
    # The entry form requires both answers where asked; a caller that gives none (the legacy import) leaves
    # the table's first kind and "not said", which the eligibility check treats as needing review.
    if item.category_choices:
        if achievement_category and achievement_category not in {c for c, _ in item.category_choices}:
            errors["achievement_category"] = "请选择成果类别。"
    else:
        achievement_category = ""
    if not item.asks_first_supervisor:
        first_supervisor = None
    if attachment is None:
        errors["attachment"] = "每个条目须上传1个PDF附件。"
    else:
        try:
            validate_pdf(attachment, label="附件")
        except ValidationError as exc:
            errors["attachment"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)  # serialises the ≤N entries check
        if DossierEntry.objects.filter(application=application, item_code=item_code).count() >= item.max_entries:
            raise ValidationError(f"{item.code}最多填写{item.max_entries}条。", code="too_many")
        entry = DossierEntry(application=application, item_code=item_code, fields=clean_fields,
                             occurred_on=occurred_on, scope=scope or "", achievement_category=achievement_category,
                             first_supervisor=first_supervisor,
                             attachment_name=safe_display_name(attachment.name))
        entry.content_sha256 = _sha256(attachment)
        entry.attachment.save(attachment.name, attachment, save=False)
        entry.full_clean()
        entry.save()
    return entry


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def dossier_entry_delete(*, entry: DossierEntry, actor) -> None:
    _require_editable(entry.application)
    entry.attachment.delete(save=False)
    entry.delete()


def dossier_narrative_save(*, application: Application, narrative: str, actor) -> Application:
    _require_editable(application)
    application.narrative = narrative.strip()
    application.full_clean()
    application.save(update_fields=["narrative", "updated_at"])
    return application


def dossier_scan_save(*, application: Application, scan, actor) -> Application:
    """The printed form, signed by the applicant and signed and sealed by the unit."""
    _require_editable(application)
    validate_scan(scan, label="扫描件")
    if application.signed_scan:
        application.signed_scan.delete(save=False)
    application.signed_scan_name = safe_display_name(scan.name)
    application.signed_scan.save(scan.name, scan, save=False)
    application.save(update_fields=["signed_scan", "signed_scan_name", "updated_at"])
    return application


def entry_window_flags(*, application: Application, entries) -> dict[int, str]:
    """Entry id -> why its date lies outside the rule window (counted back from the application deadline)."""
    flags = {}
    for entry in entries:
        item = catalogue.item_for(application.level, entry.item_code)
        window = item and catalogue.window_for(item, campaign=application.campaign)
        if window and not (window[0] <= entry.occurred_on <= window[1]):
            flags[entry.pk] = f"时间不在{window[0]:%Y年%m月%d日}至{window[1]:%Y年%m月%d日}的认定期限内"
    return flags


def profile_form_data(profile: ApplicantProfile) -> dict:
    """申报书 A as printed; frozen into the application at submission so later profile edits change nothing."""
    return {
        "full_name": profile.full_name, "gender": profile.get_gender_display(), "ethnicity": profile.ethnicity,
        "id_number": profile.id_number, "birth_date": profile.birth_date.isoformat() if profile.birth_date else "",
        "birth_month": f"{profile.birth_date:%Y年%m月}" if profile.birth_date else "",
        "education": profile.get_education_display(), "major": profile.major, "employer": profile.employer,
        "province": profile.province.name if profile.province_id else "", "city": profile.city,
        "county": profile.county, "position": profile.position, "landline": profile.landline,
        "mobile": profile.mobile, "email": profile.email, "mailing_address": profile.mailing_address,
        "postcode": profile.postcode, "member_number": profile.member_number,
        "member_valid_until": profile.member_valid_until, "statement": profile.statement,
        "years_in_st_education": profile.years_in_st_education,
        "prior_certifications": [
            {"level": c.get_level_display(), "year": c.year,
             "authority": c.province.name if c.province_id else "全国协会"}
            for c in profile.prior_certifications.select_related("province")],
        # The form lists at most 3 continuing-education trainings, most recent first.
        "trainings": [{"name": t.name, "organiser": t.organiser, "certificate_number": t.certificate_number}
                      for t in profile.trainings.all()[:3]],
    }


def _next_number(*, application: Application, profile: ApplicantProfile) -> str:
    """`{year}{level code}{province code}{sequence}`; the campaign row lock serialises concurrent submissions."""
    Campaign.objects.select_for_update().get(pk=application.campaign_id)
    campaign = application.campaign
    province = campaign.province or profile.province
    prefix = f"{application.year}{LEVEL_CODES[application.level]}{province.code[:2] if province else '00'}"
    last = (Application.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    sequence = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def _campaign_open(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    return campaign.status == Campaign.Status.PUBLISHED and campaign.phase(now) == Campaign.Phase.OPEN


def submission_open(application: Application, *, now: dt.datetime | None = None) -> bool:
    """Whether a draft may be submitted now: the state and the campaign's window (the service checks the rest)."""
    return application.status == S.DRAFT and _campaign_open(application.campaign, now)


def resubmission_open(application: Application, *, now: dt.datetime | None = None) -> bool:
    """Whether a returned dossier may be resubmitted now: before its amendment deadline."""
    return application.status == S.RETURNED and not _amendment_overdue(application, now)


def application_submit(*, application: Application, actor, now: dt.datetime | None = None) -> Application:
    """Lock the dossier, number it and open the order. Only while the campaign is open (end date inclusive)."""
    now = now or timezone.now()
    campaign = application.campaign
    if application.status != S.DRAFT:
        raise ValidationError("只有草稿状态的申报书可以提交。", code="not_draft")
    if not _campaign_open(campaign, now):
        raise ValidationError(f"报名已于{campaign.application_end:%Y年%m月%d日}截止（或尚未开始），不能提交。",
                              code="campaign_closed")
    if not application.applicant.email_verified:
        raise ValidationError("请先点击验证邮件中的链接验证电子邮箱，邮箱验证后方可申报认证。", code="email_unverified")
    profile = ApplicantProfile.objects.filter(user=application.applicant).select_related("province").first()
    missing = profile_missing(profile)
    if missing:
        raise ValidationError("基本情况尚未填写完整：" + "、".join(missing) + "。", code="profile_incomplete")
    if not application.signed_scan:
        raise ValidationError("请先上传签字并加盖单位公章的申报书扫描件。", code="scan_missing")
    if not application.entries.exists() and application.track == Application.Track.REGULAR:
        raise ValidationError("请至少填写一条业绩成果材料。", code="no_entries")
    # A criterion the engine finds failed stops the submission (and the fee); "needs review" goes on to the
    # secretariat. The result is kept with the application for the eligibility review.
    result = eligibility.check_application(application=application, profile=profile, now=now)
    blockers = eligibility.submission_blockers(result=result, track=application.track)
    if blockers:
        raise ValidationError(eligibility.blocking_message(blockers, when="不能提交"), code="ineligible")

    with transaction.atomic():
        number = _next_number(application=application, profile=profile)
        snapshot = profile_form_data(profile)
        checked = eligibility.result_snapshot(result, track=application.track, computed_at=now)

        def apply(app):
            app.number = number
            app.submitted_at = now
            app.profile_snapshot = snapshot
            app.eligibility_result = checked

        try:
            with transaction.atomic():
                application_transition(application=application, to=S.SUBMITTED, actor=actor,
                                       action="applicants.application.submitted", apply=apply)
        except IntegrityError:
            raise ValidationError("同一认证年度只能申报一个级别。", code="one_level_per_year") from None
        signals.application_submitted.send(sender=Application, application=application, actor=actor, now=now)
    return application


def application_mark_paid(*, application: Application, actor=None, now: dt.datetime | None = None,
                          already_locked: bool = False) -> Application:
    """Called once the fee is settled (or waived): the application is complete and enters review.
    `already_locked`: the caller holds the application's lock and read `application` under it (a payment)."""
    now = now or timezone.now()

    def apply(app):
        app.paid_at = now

    return application_transition(application=application, to=S.UNDER_REVIEW, actor=actor,
                                  action="applicants.application.paid", apply=apply, already_locked=already_locked)


def withdrawal_open(application: Application, *, now: dt.datetime | None = None) -> bool:
    """Whether the applicant may still cancel: a state that allows it, up to the deadline inclusive."""
    now = now or timezone.now()
    return S.WITHDRAWN in APPLICATION_TRANSITIONS.get(application.status, ()) and \
        now <= application.campaign.application_closes_at


def application_withdraw(*, application: Application, actor, reason: str = "",
                         now: dt.datetime | None = None) -> Application:
    """Cancel until the application deadline (inclusive), with the fee refunded; afterwards refused."""
    now = now or timezone.now()
    if now > application.campaign.application_closes_at:
        raise ValidationError(
            f"申报截止日（{application.campaign.application_end:%Y年%m月%d日}）后不再受理取消报名申请，认证评审费不予退还。",
            code="withdrawal_closed")
    def withdraw():
        # Lock order (certification.db): the application (its transition) before the order (the settlement).
        application_transition(application=application, to=S.WITHDRAWN, actor=actor,
                               action="applicants.application.withdrawn", reason=reason)
        # payments settles the order here (payments.receivers), taking the order's lock second.
        signals.application_withdrawn.send(sender=Application, application=application, actor=actor,
                                           reason=reason, now=now)

    run_atomic_with_retry(withdraw, label="withdrawal")
    return application


# --- the one amendment (the return itself is `reviews.services.eligibility_return`) ------------------

def application_resubmit(*, application: Application, actor, now: dt.datetime | None = None) -> Application:
    now = now or timezone.now()
    if application.status != S.RETURNED:
        raise ValidationError("只有退回修改的申报书可以重新提交。")
    if _amendment_overdue(application, now):
        raise ValidationError("修改期限已过，不能重新提交。", code="amendment_overdue")
    if not application.signed_scan:
        raise ValidationError("请上传签字并加盖单位公章的申报书扫描件。", code="scan_missing")
    # The amended dossier is checked again so the review sees the current result; it does not block here
    # (the one amendment is the secretariat's call, and a refusal would only run the deadline out).
    profile = ApplicantProfile.objects.filter(user=application.applicant).first()
    result = eligibility.check_application(application=application, profile=profile, now=now)
    checked = eligibility.result_snapshot(result, track=application.track, computed_at=now)

    def apply(app):
        app.amendment_used = True
        app.eligibility_result = checked

    return application_transition(application=application, to=S.UNDER_REVIEW, actor=actor,
                                  action="applicants.application.resubmitted", apply=apply)


# --- the printed form (申报书) -----------------------------------------------------------------------

FORM_PDF_DIR = "applicants/form-pdf"


def form_pdf_for(*, application: Application, html: str, base_url: str | None = None) -> bytes:
    """The 申报书 PDF of this HTML, rendered once per version of the dossier.

    The version key is a hash of the form's HTML (profile, entries, photo, numbers and the template itself), so any
    change to what is printed renders anew, and an unchanged dossier is served from the stored file. Older
    versions of the same application are removed when a new one is stored.
    """
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from certification.pdf import html_to_pdf

    folder = f"{FORM_PDF_DIR}/{application.pk}"
    name = f"{folder}/{hashlib.sha256(html.encode()).hexdigest()[:40]}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as fh:
            return fh.read()
    pdf = html_to_pdf(html=html, base_url=base_url)
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        files = []
    for old in files:
        default_storage.delete(f"{folder}/{old}")
    default_storage.save(name, ContentFile(pdf))
    return pdf


# --- legacy import: retention of the uploaded files -----------------------------------------------------------

def legacy_import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete uploaded legacy-import files once LEGACY_IMPORT_RETENTION_DAYS have passed since the job finished
    (or since it was created, for a job that never finished). They hold personal data; the job row with its
    counts and row-level error report stays. Idempotent; returns how many files were deleted."""
    now = now or timezone.now()
    days = settings.LEGACY_IMPORT_RETENTION_DAYS
    cutoff = now - dt.timedelta(days=days)
    due = (LegacyImportJob.objects.exclude(upload="").exclude(upload__isnull=True)
           .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
           .values_list("pk", flat=True))
    deleted = 0
    for pk in list(due):
        with transaction.atomic():
            job = LegacyImportJob.objects.select_for_update().get(pk=pk)
            if not job.upload:
                continue
            storage, name = job.upload.storage, job.upload.name
            job.upload = ""
            job.upload_deleted_at = now
            job.save(update_fields=["upload", "upload_deleted_at"])
            audit(subject=job, action="applicants.legacy_import.file_deleted", to_state=job.status,
                  reason=f"保留期限{days}天已满，导入结果保留")
            # The file goes only once the row says so; a rolled-back step keeps both.
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        deleted += 1
    return deleted


# --- legacy import -----------------------------------------------------------------------------------

# Rows per chunk (settings.LEGACY_IMPORT_CHUNK_ROWS): one transaction, a few set queries and one bulk write each,
# with the job's progress saved in the same transaction.
LEGACY_IMPORT_MAX_BYTES = 20 * 1024 * 1024
LEGACY_IMPORT_REQUIRED_COLUMNS = ("电子邮箱", "姓名", "认证活动代码", "状态")


def _legacy_dataset(*, data: bytes, file_name: str):
    if not file_name.lower().endswith((".csv", ".xlsx")):
        raise ValidationError(f"文件“{file_name}”不是CSV或XLSX文件：请上传从旧平台导出的 .csv 或 .xlsx 文件。")
    fmt = "xlsx" if file_name.lower().endswith(".xlsx") else "csv"
    try:
        return tablib.Dataset().load(data if fmt == "xlsx" else data.decode("utf-8-sig"), format=fmt)
    except Exception as exc:  # noqa: BLE001 — tablib raises many types on a malformed file
        raise ValidationError(f"无法读取文件“{file_name}”：请使用UTF-8编码的CSV或XLSX文件。") from exc


def _legacy_rows(dataset):
    headers = list(dataset.headers or [])
    for values in dataset:
        yield dict(zip(headers, values, strict=False))


def _legacy_import_dataset(*, dataset, actor, file_name: str, first_row: int = 1):
    """Import one dataset (or one chunk of it), set-based (`applicants.legacy_import`); error row numbers are
    counted from `first_row`. Returns (outcome with `.totals`, [(row, column, messages)])."""
    from certification.bulk_import import run_set_based_import

    from .legacy_import import LegacyApplicationImporter

    outcome = run_set_based_import(importer=LegacyApplicationImporter(file_name=file_name),
                                   rows=_legacy_rows(dataset), actor=actor,
                                   chunk_rows=settings.LEGACY_IMPORT_CHUNK_ROWS,
                                   first_row=first_row)
    return outcome, outcome.errors


def legacy_import(*, data: bytes, file_name: str, actor=None):
    """Import applicants and applications from the previous platform (CSV or XLSX), synchronously.

    Good rows import; each bad row is rolled back alone and reported as (row number, column, messages).
    Returns (outcome, errors): `outcome.totals` counts new, update, skip and invalid rows.
    """
    dataset = _legacy_dataset(data=data, file_name=file_name)
    return _legacy_import_dataset(dataset=dataset, actor=actor, file_name=file_name)


# Re-running is allowed from failed and from running (a worker that died leaves the job "running").
LEGACY_IMPORT_JOB_TRANSITIONS = {
    LegacyImportJob.Status.QUEUED: {LegacyImportJob.Status.RUNNING, LegacyImportJob.Status.FAILED},
    LegacyImportJob.Status.RUNNING: {LegacyImportJob.Status.RUNNING, LegacyImportJob.Status.DONE,
                                     LegacyImportJob.Status.FAILED, LegacyImportJob.Status.QUEUED,
                                     LegacyImportJob.Status.INTERRUPTED},
    LegacyImportJob.Status.FAILED: {LegacyImportJob.Status.QUEUED},
    LegacyImportJob.Status.INTERRUPTED: {LegacyImportJob.Status.QUEUED},
    LegacyImportJob.Status.DONE: set(),
}


def _legacy_import_job_enqueue(job: LegacyImportJob) -> None:
    transaction.on_commit(lambda: run_legacy_import.delay(job.pk))


def legacy_import_job_create(*, upload, actor) -> LegacyImportJob:
    """Check the upload is a readable CSV/XLSX with the needed columns, store it and queue the import."""
    name = safe_display_name(upload.name)
    if upload.size is not None and upload.size > LEGACY_IMPORT_MAX_BYTES:
        raise ValidationError(f"文件“{name}”超过{LEGACY_IMPORT_MAX_BYTES // (1024 * 1024)}MB，请分成几个文件导入。")
    upload.seek(0)
    dataset = _legacy_dataset(data=upload.read(), file_name=name)
    missing = [c for c in LEGACY_IMPORT_REQUIRED_COLUMNS if c not in (dataset.headers or [])]
    if missing:
        raise ValidationError(f"文件“{name}”缺少以下列：{'、'.join(missing)}。请使用旧平台导出的原始表头。")
    if not dataset.height:
        raise ValidationError(f"文件“{name}”中没有数据行。")
    upload.seek(0)
    with transaction.atomic():
        job = LegacyImportJob(original_name=name, uploaded_by=actor, total_rows=dataset.height)
        job.upload.save(name, upload, save=False)
        job.full_clean()
        job.save()
        audit(subject=job, action="applicants.legacy_import.created", actor=actor, to_state=job.status,
              reason=f"导入文件：{name}")
        _legacy_import_job_enqueue(job)
    return job


def legacy_import_job_rerun(*, job: LegacyImportJob, actor) -> LegacyImportJob:
    """Start a failed or stuck job over; the import is idempotent, so rows done before add nothing twice.
    An interrupted job is resumed from its last saved chunk instead."""
    if job.status == LegacyImportJob.Status.INTERRUPTED:
        return legacy_import_job_resume(job=job, actor=actor)
    if not job.upload:
        raise ValidationError("导入文件已按保留期限删除，不能重新运行；请重新上传文件导入。", code="upload_deleted")

    def apply(j):
        j.processed_rows = j.imported_new = j.imported_updated = j.imported_skipped = 0
        j.error_report, j.failure_message, j.started_at, j.finished_at = [], "", None, None
        j.resume_pending = False

    with transaction.atomic():
        job = transition(instance=job, to=LegacyImportJob.Status.QUEUED, actor=actor,
                         allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.rerun", apply=apply)
        _legacy_import_job_enqueue(job)
    return job


def legacy_import_jobs_mark_interrupted(*, now: dt.datetime | None = None) -> int:
    """Mark running jobs whose worker stopped beating as interrupted, so staff can resume them.

    A worker killed outright (kill -9, a lost machine) leaves its job "running"; the broker would redeliver
    the task only after its visibility timeout. A job beats after every chunk, so a job silent for
    LEGACY_IMPORT_STALE_MINUTES is no longer being worked on.
    """
    now = now or timezone.now()
    stale_before = now - dt.timedelta(minutes=settings.LEGACY_IMPORT_STALE_MINUTES)
    stale = LegacyImportJob.objects.filter(status=LegacyImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before))
    marked = 0
    for job in stale.only("pk", "status"):
        transition(instance=job, to=LegacyImportJob.Status.INTERRUPTED, actor=None,
                   allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.interrupted",
                   reason=f"超过{settings.LEGACY_IMPORT_STALE_MINUTES}分钟无心跳")
        marked += 1
    return marked


def legacy_import_job_resume(*, job: LegacyImportJob, actor) -> LegacyImportJob:
    """Queue an interrupted job again; it continues after the last chunk it saved, keeping its counts and report."""
    if not job.upload:
        raise ValidationError("导入文件已按保留期限删除，不能继续导入；请重新上传文件导入。", code="upload_deleted")
    with transaction.atomic():
        job = transition(instance=job, to=LegacyImportJob.Status.QUEUED, actor=actor,
                         allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.resumed",
                         apply=lambda j: setattr(j, "resume_pending", True))
        _legacy_import_job_enqueue(job)
    return job


def legacy_import_job_run(*, job_id: int) -> LegacyImportJob:
    """Import the job's file in chunks, saving progress after each chunk so the job page can show it."""
    job = LegacyImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    actor = job.uploaded_by

    def start(j):
        # A resumed job (see `legacy_import_job_resume`) keeps what its saved chunks did; any other start is afresh.
        # A redelivered task (worker died, acks_late) finds its job "running" with a stale heartbeat and starts it
        # over, which is safe because the import is idempotent.
        if not j.resume_pending:
            j.processed_rows = j.imported_new = j.imported_updated = j.imported_skipped = 0
            j.error_report = []
        j.failure_message, j.finished_at, j.resume_pending = "", None, False
        j.started_at = j.heartbeat_at = timezone.now()

    with transaction.atomic():
        locked = LegacyImportJob.objects.select_for_update().get(pk=job.pk)
        alive_since = timezone.now() - dt.timedelta(minutes=settings.LEGACY_IMPORT_STALE_MINUTES)
        beating = locked.heartbeat_at is not None and locked.heartbeat_at > alive_since
        if locked.status == LegacyImportJob.Status.RUNNING and beating:
            # A redelivered copy of a task whose job another worker is running (and beating for): starting over
            # would zero its counts under it and import the same rows twice at once.
            return locked
        job = transition(instance=locked, to=LegacyImportJob.Status.RUNNING, actor=None, already_locked=True,
                         allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.started", apply=start)
    try:
        with job.upload.open("rb") as fh:
            data = fh.read()
        dataset = _legacy_dataset(data=data, file_name=job.original_name)
        total = dataset.height
        LegacyImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        counts = {"new": job.imported_new, "update": job.imported_updated, "skip": job.imported_skipped}
        report = list(job.error_report)
        chunk_rows = settings.LEGACY_IMPORT_CHUNK_ROWS
        # Progress is saved only at chunk boundaries, so resuming at processed_rows repeats no finished chunk.
        for start_index in range(job.processed_rows, total, chunk_rows):
            chunk = tablib.Dataset(*dataset[start_index:start_index + chunk_rows], headers=dataset.headers)
            # The chunk's rows and the progress that counts them commit together: a worker killed between the two
            # would otherwise leave rows the resume imports again and counts as skipped instead of new.
            with transaction.atomic():
                result, errors = _legacy_import_dataset(dataset=chunk, actor=actor, file_name=job.original_name,
                                                        first_row=start_index + 1)
                for key in counts:
                    counts[key] += result.totals[key]
                report += [{"row": n, "column": col, "messages": msgs} for n, col, msgs in errors]
                LegacyImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=min(total, start_index + chunk.height), imported_new=counts["new"],
                    imported_updated=counts["update"], imported_skipped=counts["skip"], error_report=report,
                    heartbeat_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job for the administrator
        message = f"{type(exc).__name__}: {exc}"[:2000]

        def fail(j):
            j.failure_message, j.finished_at = message, timezone.now()

        job.refresh_from_db()
        return transition(instance=job, to=LegacyImportJob.Status.FAILED, actor=None,
                          allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.failed", apply=fail)
    job.refresh_from_db()
    return transition(instance=job, to=LegacyImportJob.Status.DONE, actor=None,
                      allowed=LEGACY_IMPORT_JOB_TRANSITIONS, action="applicants.legacy_import.done",
                      apply=lambda j: setattr(j, "finished_at", timezone.now()))


# Defined beside the work it runs (not in tasks.py) so that queueing it needs no import back from the tasks
# module; it keeps its name, and `applicants.tasks` re-exports it for autodiscovery.
@shared_task(name="applicants.tasks.run_legacy_import")
def run_legacy_import(job_id):
    """Background legacy import; re-running starts the job over, which is safe because the import is idempotent."""
    legacy_import_job_run(job_id=job_id)
