"""考试中心 pages: the candidate's exam list, taking a paper on the server's clock, the 准考证 PDF; and the
secretariat's session, progress and external score-import pages.

Views parse input, check permission (rules in `reviews.exam_rules`), call a service and render. Another
candidate's paper is 404. Core flows work without JavaScript; `exam.js` only autosaves and shows the clock.
"""

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from certification import predicates
from certification.idcard import mask_id_number
from certification.models import Campaign
from certification.pdf import render_pdf

from . import exam_selectors as selectors
from . import exam_services as services
from .exam_models import ExamPaper, ExamScoreImport, ExamSession

P = ExamPaper.Status
CANDIDATES_PAGE_SIZE = 50


def _fail(request, exc: ValidationError):
    for m in exc.messages:
        messages.error(request, m)


def _applicant_only(request):
    if not predicates.is_applicant(request.user):
        raise PermissionDenied


def _remaining_seconds(paper: ExamPaper) -> int:
    if paper.status != P.IN_PROGRESS or not paper.deadline:
        return 0
    return max(0, int((paper.deadline - timezone.now()).total_seconds()))


def _clock_text(seconds: int) -> str:
    hours = f"{seconds // 3600}小时" if seconds >= 3600 else ""
    return f"{hours}{seconds % 3600 // 60}分{seconds % 60:02d}秒"


# --- candidate -------------------------------------------------------------------------------------------

@login_required
def centre(request):
    """考试中心: each of the applicant's exams with its session, ticket and paper."""
    _applicant_only(request)
    return render(request, "reviews/exam/centre.html", {
        "applications": selectors.exam_applications_of(user=request.user), "now": timezone.now()})


def _candidate_paper(request, pk) -> ExamPaper:
    _applicant_only(request)
    paper = selectors.paper_of_candidate(user=request.user, pk=pk)
    if not request.user.has_perm("reviews.exam_take_paper", paper):
        raise Http404
    return paper


@login_required
def paper_view(request, pk):
    """The paper: rules and a start button before the start; the questions while the clock runs (all on one
    page, or one at a time with ?q=N); the hand-in receipt afterwards. A request after the deadline hands in."""
    paper = _candidate_paper(request, pk)
    before = paper.status
    paper = services.exam_paper_close_if_expired(paper=paper)
    if before == P.IN_PROGRESS and paper.status == P.SUBMITTED:
        messages.warning(request, "考试时间已到，系统已自动交卷。")
    ctx = {"paper": paper, "session": paper.session, "campaign": paper.session.campaign, "now": timezone.now()}
    if paper.status != P.IN_PROGRESS:
        if paper.status == P.SUBMITTED:
            ctx["answered"] = paper.answers.exclude(choice="").count()
            ctx["item_count"] = paper.items.count()
        return render(request, "reviews/exam/paper_closed.html", ctx)
    questions = selectors.paper_questions(paper=paper)
    one = request.GET.get("q")
    current = None
    if one is not None:
        try:
            current = max(1, min(int(one), len(questions)))
        except ValueError:
            current = 1
    remaining = _remaining_seconds(paper)
    ctx.update({
        "questions": [questions[current - 1]] if current else questions, "all_questions": questions,
        "current": current, "count": len(questions), "remaining": remaining,
        "remaining_text": _clock_text(remaining),
        "answered_count": sum(q["answered"] for q in questions),
        "previous": current - 1 if current and current > 1 else None,
        "next": current + 1 if current and current < len(questions) else None,
    })
    return render(request, "reviews/exam/paper.html", ctx)


@login_required
@require_POST
def paper_start(request, pk):
    paper = _candidate_paper(request, pk)
    try:
        services.exam_paper_start(paper=paper, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
    return redirect("exam:paper", pk=pk)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def paper_save(request, pk):
    """Save the answers of the items on the page (`items` lists them, so an emptied multiple choice is
    saved as empty); then go to another question, or hand in. JSON for the autosave script."""
    paper = _candidate_paper(request, pk)
    try:
        item_ids = [int(i) for i in request.POST.getlist("items")]
    except ValueError:
        item_ids = None
    if item_ids is None:
        error = ValidationError("提交的试题不属于您的试卷。")
    else:
        error = None
        answers = {i: request.POST.getlist(f"answer-{i}") for i in item_ids}
        try:
            paper = services.exam_answers_save(paper=paper, answers=answers, actor=request.user)
        except ValidationError as exc:
            error = exc
    if _wants_json(request):
        paper.refresh_from_db()
        if error is not None:
            return JsonResponse({"saved": False, "error": " ".join(error.messages), "status": paper.status,
                                 "remaining": _remaining_seconds(paper)}, status=409)
        return JsonResponse({"saved": True, "saved_at": f"{timezone.localtime():%H:%M:%S}", "status": paper.status,
                             "remaining": _remaining_seconds(paper)})
    if error is not None:
        _fail(request, error)
        return redirect("exam:paper", pk=pk)
    action = request.POST.get("action", "save")
    if action == "submit":
        try:
            services.exam_paper_submit(paper=paper, actor=request.user)
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "已交卷。")
        return redirect("exam:paper", pk=pk)
    messages.success(request, "答案已保存。")
    target = reverse("exam:paper", args=[pk])
    goto = request.POST.get("goto", "")
    if goto.isdigit():
        target += f"?q={int(goto)}"
    return redirect(target)


def _photo_data_uri(application) -> str:
    profile = getattr(application.applicant, "applicant_profile", None)
    if not profile or not profile.photo:
        return ""
    try:
        with profile.photo.open("rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    mime = "image/png" if data[:8].startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@login_required
def ticket_pdf(request, pk):
    """准考证: the candidate's photo, candidate number, session and rules. The candidate or the campaign's
    secretariat only."""
    paper = get_object_or_404(ExamPaper.objects.select_related(
        "session", "session__campaign", "session__campaign__authority", "application",
        "application__applicant", "application__applicant__applicant_profile"), pk=pk)
    if not request.user.has_perm("reviews.exam_view_ticket", paper):
        raise Http404
    application = paper.application
    profile = getattr(application.applicant, "applicant_profile", None)
    pdf = render_pdf(template="reviews/exam/ticket_pdf.html", request=request, context={
        "paper": paper, "session": paper.session, "campaign": paper.session.campaign, "application": application,
        "name": profile.full_name if profile else application.applicant.full_name,
        "employer": profile.employer if profile else "",
        "masked_id": mask_id_number(profile.id_number) if profile and profile.id_number else "",
        "photo_uri": _photo_data_uri(application),
        "centre_url": request.build_absolute_uri(reverse("exam:centre")),
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ticket-{paper.candidate_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- secretariat -----------------------------------------------------------------------------------------

def _managed_campaign(request, slug) -> Campaign:
    _staff_only(request)
    campaign = get_object_or_404(Campaign.objects.select_related("authority"), slug=slug)
    if not request.user.has_perm("reviews.exam_manage", campaign):
        raise Http404
    return campaign


def _staff_only(request):
    if not (predicates.is_secretariat(request.user) or predicates.is_administrator(request.user)):
        raise PermissionDenied


class SessionForm(forms.ModelForm):
    blueprint_text = forms.CharField(
        label="组卷规则", widget=forms.Textarea(attrs={"rows": 4}), required=False,
        help_text="每行一条：题型,知识点,数量。知识点留空表示不限。例如：单选题,科学素质,10")

    class Meta:
        model = ExamSession
        fields = ["title", "mode", "starts_at", "ends_at", "duration_minutes", "rules"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "rules": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["blueprint_text"] = services.blueprint_text(self.instance.blueprint)

    def clean_blueprint_text(self):
        if self.cleaned_data.get("mode") == ExamSession.Mode.EXTERNAL and not self.cleaned_data["blueprint_text"]:
            return []
        return services.parse_blueprint_text(self.cleaned_data["blueprint_text"])

    def _post_clean(self):
        self.instance.blueprint = self.cleaned_data.get("blueprint_text") or []
        super()._post_clean()

    def _update_errors(self, errors):
        # The model checks its `blueprint`; on this form it is typed as `blueprint_text`.
        if hasattr(errors, "error_dict") and "blueprint" in errors.error_dict:
            errors.error_dict["blueprint_text"] = errors.error_dict.pop("blueprint")
        super()._update_errors(errors)


@login_required
def manage_list(request):
    _staff_only(request)
    return render(request, "reviews/exam/manage_list.html",
                  {"campaigns": selectors.campaigns_with_exam(user=request.user)})


@login_required
def manage_campaign(request, slug):
    """A campaign's exam: the session form, the candidates with their progress, score imports."""
    campaign = _managed_campaign(request, slug)
    session = ExamSession.objects.filter(campaign=campaign).first()
    instance = session or ExamSession(campaign=campaign, title=f"{campaign.title} 笔试")
    form = SessionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.exam_session_save(session=form.instance, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "考试场次已保存。")
            return redirect("exam:manage_campaign", slug=slug)
    ctx = {"campaign": campaign, "session": session, "form": form,
           "imports": selectors.score_imports_of(campaign=campaign)[:10]}
    if session is not None:
        page = Paginator(selectors.session_papers(session=session), CANDIDATES_PAGE_SIZE).get_page(
            request.GET.get("page"))
        for p in page.object_list:
            profile = getattr(p.application.applicant, "applicant_profile", None)
            p.candidate_name = profile.full_name if profile else p.application.applicant.full_name
        ctx.update({"page": page, "counts": selectors.session_counts(session=session),
                    "without_paper": selectors.candidates_without_paper(campaign=campaign, session=session)})
    else:
        ctx["without_paper"] = selectors.candidates_without_paper(campaign=campaign, session=None)
    return render(request, "reviews/exam/manage_campaign.html", ctx)


@login_required
@require_POST
def manage_generate(request, slug):
    campaign = _managed_campaign(request, slug)
    session = get_object_or_404(ExamSession, campaign=campaign)
    try:
        made = services.exam_papers_generate(session=session, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已为{made}名考生生成试卷和准考证号。" if made else "所有考生均已有试卷。")
    return redirect("exam:manage_campaign", slug=slug)


class ImportForm(forms.Form):
    upload = forms.FileField(label="成绩文件（XLSX）",
                             help_text="第1行为表头：申报编号、成绩，可选“缺考”列（填“是”）；成绩为0–100。")


@login_required
def manage_import(request, slug):
    campaign = _managed_campaign(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.exam_score_import_preview(campaign=campaign, upload=form.cleaned_data["upload"],
                                                        actor=request.user)
        except ValidationError as exc:
            form.add_error("upload", exc.messages)
        else:
            return redirect("exam:manage_import_preview", slug=slug, pk=record.pk)
    return render(request, "reviews/exam/import.html", {
        "campaign": campaign, "form": form, "imports": selectors.score_imports_of(campaign=campaign)[:20]})


PREVIEW_ROWS = 100


@login_required
def manage_import_preview(request, slug, pk):
    campaign = _managed_campaign(request, slug)
    record = get_object_or_404(ExamScoreImport, pk=pk, campaign=campaign)
    rows = []
    if record.status == ExamScoreImport.Status.PREVIEWED:
        rows = services.exam_score_import_rows(record=record)[:PREVIEW_ROWS]
    return render(request, "reviews/exam/import_preview.html", {
        "campaign": campaign, "record": record, "rows": rows, "preview_rows": PREVIEW_ROWS})


@login_required
@require_POST
def manage_import_confirm(request, slug, pk):
    campaign = _managed_campaign(request, slug)
    record = get_object_or_404(ExamScoreImport, pk=pk, campaign=campaign)
    try:
        record = services.exam_score_import_confirm(record=record, actor=request.user)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已导入{record.row_count}行笔试成绩（其中缺考{record.absent_count}人）。")
    return redirect("exam:manage_import_preview", slug=slug, pk=pk)
