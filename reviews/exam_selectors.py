"""Reads of the exam centre. Every page reads a fixed number of queries whatever the bank or campaign size."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from applicants.models import Application
from certification.models import Campaign

from .exam_models import ExamAnswer, ExamPaper, ExamPaperItem, ExamScoreImport, ExamSession
from .models import Stage, StageScore


def exam_applications_of(*, user) -> list[Application]:
    """The applicant's applications to campaigns with a written exam, each with `exam_session` (or None) and
    `exam_paper` (or None) attached."""
    applications = list(
        Application.objects.filter(applicant=user, campaign__has_exam=True)
        .exclude(status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN])
        .select_related("campaign", "campaign__exam_session")
        .prefetch_related(Prefetch("exam_papers", queryset=ExamPaper.objects.select_related("session")))
        .order_by("-created_at"))
    for a in applications:
        a.exam_session_obj = getattr(a.campaign, "exam_session", None)
        papers = list(a.exam_papers.all())
        a.exam_paper = next((p for p in papers if a.exam_session_obj and p.session_id == a.exam_session_obj.pk),
                            None)
    return applications


def paper_of_candidate(*, user, pk: int) -> ExamPaper:
    """The candidate's own paper; another candidate's paper does not exist for them (404)."""
    paper = (ExamPaper.objects.select_related("session", "session__campaign", "application")
             .filter(pk=pk, application__applicant=user).first())
    if paper is None:
        raise Http404("没有这份试卷。")
    return paper


def paper_questions(*, paper: ExamPaper) -> list[dict]:
    """The paper's items in drawn order, options in drawn order, with the saved answer: two queries."""
    answers = dict(ExamAnswer.objects.filter(paper=paper).values_list("item_id", "choice"))
    questions = []
    for pi in ExamPaperItem.objects.filter(paper=paper).select_related("item").order_by("position"):
        item = pi.item
        chosen = answers.get(item.pk, "")
        letters = "ABCDEFGH"
        options = [{"value": letters[original], "label": letters[shown], "text": item.options[original],
                    "checked": letters[original] in chosen}
                   for shown, original in enumerate(pi.option_order)]
        questions.append({"position": pi.position, "item_id": item.pk, "kind": item.kind,
                          "kind_label": item.get_kind_display(), "stem": item.stem, "points": pi.points,
                          "options": options, "answered": bool(chosen),
                          "input": "checkbox" if item.kind == "multiple" else "radio"})
    return questions


def campaigns_with_exam(*, user) -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(has_exam=True).select_related("authority", "exam_session")
    if user.is_superuser or getattr(user, "role", "") == "administrator":
        return qs.order_by("-year", "level")
    return qs.filter(authority_id=user.authority_id).order_by("-year", "level")


def _count(qs):
    return Coalesce(Subquery(qs.filter(paper=OuterRef("pk")).order_by().values("paper")
                             .annotate(n=Count("pk")).values("n")), 0)


def session_papers(*, session: ExamSession) -> QuerySet[ExamPaper]:
    """Papers of a session with the candidate's name, number, answered count and exam score."""
    return (ExamPaper.objects.filter(session=session)
            .select_related("application", "application__applicant", "application__applicant__applicant_profile")
            .annotate(answered=_count(ExamAnswer.objects.exclude(choice="")),
                      item_count=_count(ExamPaperItem.objects.all()))
            .order_by("candidate_number"))


def session_counts(*, session: ExamSession) -> dict:
    counts = dict(ExamPaper.objects.filter(session=session).values_list("status").annotate(n=Count("pk"))
                  .order_by())
    return {s: counts.get(s, 0) for s in ExamPaper.Status.values} | {"total": sum(counts.values())}


def candidates_without_paper(*, campaign: Campaign, session: ExamSession | None) -> int:
    qs = Application.objects.filter(campaign=campaign, status=Application.Status.EXAM)
    if session is not None:
        qs = qs.exclude(exam_papers__session=session)
    return qs.count()


def exam_scores_of_campaign(*, campaign: Campaign) -> QuerySet[StageScore]:
    return StageScore.objects.filter(application__campaign=campaign, stage=Stage.EXAM)


def score_imports_of(*, campaign: Campaign) -> QuerySet[ExamScoreImport]:
    return ExamScoreImport.objects.filter(campaign=campaign).select_related("uploaded_by").defer("rows")
