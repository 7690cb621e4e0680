"""Writes of the written exam: bank import, sessions, drawing papers, taking the exam on the server's clock,
hand-in and scoring (→ `StageScore(stage="exam")`), and the external exam centre's score import.

Keyword-only arguments; every state change of a paper goes through `certification.workflow.transition()`.
"""

import datetime as dt
import random
import secrets
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from applicants.models import Application
from certification.bulk_import import RowInvalid, SetBasedImporter, run_set_based_import
from certification.workflow import audit, transition

from .exam_models import (
    OPTION_LETTERS,
    ExamAnswer,
    ExamPaper,
    ExamPaperItem,
    ExamScoreImport,
    ExamSession,
    ItemKind,
    QuestionItem,
)
from .models import Stage, StageScore

P = ExamPaper.Status
PAPER_TRANSITIONS = {
    P.NOT_STARTED: {P.IN_PROGRESS, P.ABSENT},
    P.IN_PROGRESS: {P.SUBMITTED},
    P.SUBMITTED: set(),
    P.ABSENT: set(),
}
KIND_ORDER = [ItemKind.SINGLE, ItemKind.MULTIPLE, ItemKind.TRUE_FALSE]
KIND_BY_TEXT = {**{k.value: k.value for k in ItemKind}, **{k.label: k.value for k in ItemKind},
                "单选": ItemKind.SINGLE, "多选": ItemKind.MULTIPLE, "判断": ItemKind.TRUE_FALSE}
LEVEL_CODES = {"junior": "1", "intermediate": "2", "senior": "3"}
HUNDRED = Decimal(100)


def _fmt(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


# --- question bank ---------------------------------------------------------------------------------------

def question_bank_import(*, data: bytes, file_name: str, actor=None, dry_run: bool = False):
    """Import bank items from XLSX (django-import-export). All rows or none: any bad row rolls the file back.

    Returns (result, errors) with errors as (row number as shown in Excel, messages)."""
    import tablib

    from .exam_resources import QuestionItemResource

    if not file_name.lower().endswith(".xlsx"):
        raise ValidationError(f"文件“{file_name}”不是XLSX文件，请使用题库模板（.xlsx）。")
    try:
        dataset = tablib.Dataset().load(data, format="xlsx")
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many types on a malformed file
        raise ValidationError(f"无法读取文件“{file_name}”：请上传有效的XLSX文件。") from exc
    resource = QuestionItemResource()
    result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
                                  collect_failed_rows=True)
    errors = []
    for invalid in result.invalid_rows:
        messages_ = []
        for column, msgs in invalid.error_dict.items():
            field = resource.fields.get(column)
            label = field.column_name if field else ("" if column == "__all__" else column)
            messages_ += [f"{label}：{m}" if label else str(m) for m in msgs]
        errors.append((invalid.number + 1, messages_))
    for number, row_errors in result.row_errors():
        errors.append((number + 1, [str(e.error) for e in row_errors]))
    errors.sort(key=lambda e: e[0])
    if not dry_run and not errors and actor is not None:
        audit(subject=actor, action="reviews.exam.bank_imported", actor=actor,
              reason=f"{file_name}：新增{result.totals['new']}题，更新{result.totals['update']}题")
    return result, errors


# --- sessions and blueprints -----------------------------------------------------------------------------

def parse_blueprint_text(text: str) -> list[dict]:
    """One line per rule: 题型,知识点,数量 (知识点 may be empty: any topic), e.g. "单选题,科学素质,10"."""
    rules, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 3:
            errors.append(f"第{number}行“{line}”应为“题型,知识点,数量”三项，知识点可留空。")
            continue
        kind, topic, count = parts
        if kind not in KIND_BY_TEXT:
            errors.append(f"第{number}行：题型“{kind}”无法识别，应为单选题、多选题或判断题。")
            continue
        if not count.isdigit() or int(count) < 1:
            errors.append(f"第{number}行：数量“{count}”应为正整数。")
            continue
        rules.append({"kind": KIND_BY_TEXT[kind], "topic": topic, "count": int(count)})
    if errors:
        raise ValidationError(errors)
    return rules


def blueprint_text(blueprint: list[dict]) -> str:
    return "\n".join(f"{ItemKind(r['kind']).label},{r.get('topic', '')},{r['count']}" for r in blueprint or [])


def _bank_counts(level: str) -> dict[tuple[str, str], int]:
    rows = (QuestionItem.objects.filter(level=level, active=True).values("kind", "topic")
            .annotate(n=Count("pk")).order_by())
    return {(r["kind"], r["topic"]): r["n"] for r in rows}


def blueprint_errors(blueprint, *, level: str | None) -> list[str]:
    """What is wrong with a blueprint for the bank of `level`, in Chinese; empty when a paper can be drawn."""
    if not isinstance(blueprint, list) or not blueprint:
        return ["组卷规则不能为空：至少需要一条“题型,知识点,数量”。"]
    errors = []
    need = defaultdict(int)
    for i, rule in enumerate(blueprint, start=1):
        if not isinstance(rule, dict) or rule.get("kind") not in ItemKind.values or \
                not isinstance(rule.get("count"), int) or rule["count"] < 1 or \
                not isinstance(rule.get("topic", ""), str):
            errors.append(f"第{i}条组卷规则格式不正确。")
            continue
        need[(rule["kind"], rule.get("topic", "").strip())] += rule["count"]
    if errors or level is None:
        return errors
    have = _bank_counts(level)
    for kind in KIND_ORDER:
        label = ItemKind(kind).label
        specific = 0
        for (k, topic), count in need.items():
            if k == kind and topic:
                specific += count
                if have.get((k, topic), 0) < count:
                    errors.append(f"题库中“{label}·{topic}”只有{have.get((k, topic), 0)}道，少于组卷要求的{count}道。")
        any_topic = need.get((kind, ""), 0)
        total = sum(n for (k, _), n in have.items() if k == kind)
        if any_topic and total - specific < any_topic:
            errors.append(f"题库中可供“{label}（不限知识点）”抽取的只有{max(total - specific, 0)}道，"
                          f"少于组卷要求的{any_topic}道。")
    return errors


def exam_session_change_error(session: ExamSession) -> str | None:
    """Why this change of a session is refused, or None: once a candidate has started, the mode, start,
    duration and blueprint stay as they were (the end may still move, e.g. to give everyone more time)."""
    if session.pk and ExamPaper.objects.filter(session=session).exclude(status=P.NOT_STARTED).exists():
        before = ExamSession.objects.get(pk=session.pk)
        if any(getattr(before, f) != getattr(session, f)
               for f in ("mode", "starts_at", "duration_minutes", "blueprint")):
            return "已有考生开始作答，不能再修改考试方式、开考时间、时长或组卷规则。"
    return None


def exam_session_save(*, session: ExamSession, actor) -> ExamSession:
    """Create or change a campaign's exam session (see `exam_session_change_error`)."""
    error = exam_session_change_error(session)
    if error:
        raise ValidationError(error, code="session_started")
    with transaction.atomic():
        session.full_clean()
        session.save()
        audit(subject=session, action="reviews.exam.session_saved", actor=actor,
              reason=f"{_fmt(session.starts_at)}–{_fmt(session.ends_at)}，{session.duration_minutes}分钟")
    return session


# --- papers ----------------------------------------------------------------------------------------------

def _bank_pools(level: str):
    items = list(QuestionItem.objects.filter(level=level, active=True)
                 .values_list("pk", "kind", "topic", "points", "options").order_by("pk"))
    by_topic, by_kind = defaultdict(list), defaultdict(list)
    for pk, kind, topic, points, options in items:
        entry = (pk, kind, points, len(options))
        by_topic[(kind, topic)].append(entry)
        by_kind[kind].append(entry)
    return by_topic, by_kind


def draw_paper(*, seed: int, blueprint: list[dict], pools) -> list[tuple[int, list[int], Decimal]]:
    """The items of one paper as (item pk, option order, points), grouped by type, shuffled by `seed`.

    Deterministic: the same seed, blueprint and bank give the same paper."""
    by_topic, by_kind = pools
    rng = random.Random(seed)
    chosen: dict[str, list] = defaultdict(list)
    taken: set[int] = set()
    rules = sorted(blueprint, key=lambda r: (KIND_ORDER.index(r["kind"]), r.get("topic", "") == "",
                                             r.get("topic", "")))
    for rule in rules:
        topic = rule.get("topic", "").strip()
        pool = by_topic.get((rule["kind"], topic), []) if topic else by_kind.get(rule["kind"], [])
        pool = [e for e in pool if e[0] not in taken]
        if len(pool) < rule["count"]:
            raise ValidationError("题库中的试题不足以按组卷规则抽题，请补充题库或修改组卷规则。")
        picked = rng.sample(pool, rule["count"])
        taken.update(e[0] for e in picked)
        chosen[rule["kind"]] += picked
    paper = []
    for kind in KIND_ORDER:
        group = chosen.get(kind, [])
        rng.shuffle(group)
        for pk, k, points, n_options in group:
            order = list(range(n_options))
            if k != ItemKind.TRUE_FALSE:  # 正确 stays before 错误
                rng.shuffle(order)
            paper.append((pk, order, points))
    return paper


def exam_papers_generate(*, session: ExamSession, actor, applications=None) -> int:
    """Draw a paper (and a candidate number) for every candidate of the session's campaign without one.

    Candidates are the campaign's applications in status `exam`. Set-based: the bank is read once and papers
    and their items are written with two bulk inserts. Returns how many papers were made."""
    if not session.is_online:
        raise ValidationError("本场考试由外部考点组织，不在考试中心生成试卷。")
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().select_related("campaign").get(pk=session.pk)
        candidates = Application.objects.filter(campaign=session.campaign_id, status=Application.Status.EXAM)
        if applications is not None:
            candidates = candidates.filter(pk__in=[a.pk for a in applications])
        candidates = list(candidates.exclude(exam_papers__session=session).order_by("number", "pk")
                          .values_list("pk", flat=True))
        if not candidates:
            return 0
        errors = blueprint_errors(session.blueprint, level=session.campaign.level)
        if errors:
            raise ValidationError(errors)
        pools = _bank_pools(session.campaign.level)
        campaign = session.campaign
        prefix = f"{campaign.year}{LEVEL_CODES.get(campaign.level, '0')}{session.pk:04d}"
        start = ExamPaper.objects.filter(session=session).count()
        papers, drawn = [], []
        for offset, application_id in enumerate(candidates, start=1):
            seed = secrets.randbits(62)
            items = draw_paper(seed=seed, blueprint=session.blueprint, pools=pools)
            papers.append(ExamPaper(session=session, application_id=application_id, seed=seed,
                                    candidate_number=f"{prefix}{start + offset:05d}",
                                    total_points=sum((p for _, _, p in items), Decimal(0))))
            drawn.append(items)
        ExamPaper.objects.bulk_create(papers)
        if any(p.pk is None for p in papers):  # a backend that does not return ids from a bulk insert
            ids = dict(ExamPaper.objects.filter(session=session, application_id__in=candidates)
                       .values_list("application_id", "pk"))
            for p in papers:
                p.pk = ids[p.application_id]
        ExamPaperItem.objects.bulk_create(
            [ExamPaperItem(paper_id=paper.pk, item_id=pk, position=position, option_order=order, points=points)
             for paper, items in zip(papers, drawn, strict=True)
             for position, (pk, order, points) in enumerate(items, start=1)],
            batch_size=2000)
        audit(subject=session, action="reviews.exam.papers_generated", actor=actor, reason=f"{len(papers)}份")
    return len(papers)


def _refuse_time_up() -> ValidationError:
    return ValidationError("考试时间已到，系统已自动交卷，本次提交的答案未保存。", code="time_up")


def exam_paper_start(*, paper: ExamPaper, actor, now: dt.datetime | None = None) -> ExamPaper:
    """Start the clock: deadline = now + duration, capped by the session's end. Starting again (a reload, a
    second tab) changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ExamPaper.objects.select_for_update().select_related("session", "application").get(pk=paper.pk)
        session = locked.session
        if locked.status == P.IN_PROGRESS:
            return locked
        if locked.status in (P.SUBMITTED, P.ABSENT):
            raise ValidationError(f"本场考试您已{locked.get_status_display()}，不能再次作答。", code="closed")
        if locked.application.status != Application.Status.EXAM:
            raise ValidationError("您的申请当前不在笔试阶段，不能参加本场考试。", code="not_candidate")
        if now < session.starts_at:
            raise ValidationError(f"考试尚未开始，开考时间为{_fmt(session.starts_at)}。", code="not_open")
        if now >= session.ends_at:
            raise ValidationError(f"考试已于{_fmt(session.ends_at)}结束，不能再开始作答。", code="ended")

        def apply(p):
            p.started_at = now
            p.deadline = min(now + dt.timedelta(minutes=session.duration_minutes), session.ends_at)

        return transition(instance=locked, to=P.IN_PROGRESS, actor=actor, allowed=PAPER_TRANSITIONS,
                          action="reviews.exam.started", apply=apply)


def _clean_choice(raw, *, kind: str, n_options: int) -> str:
    values = raw if isinstance(raw, list | tuple) else [raw]
    letters = "".join(sorted({str(v).strip().upper() for v in values if str(v).strip()}))
    valid = OPTION_LETTERS[:n_options]
    if any(ch not in valid for ch in letters):
        raise ValidationError("提交的选项不属于该题。", code="bad_option")
    if kind != ItemKind.MULTIPLE and len(letters) > 1:
        raise ValidationError("该题只能选择一个答案。", code="bad_option")
    return letters


def exam_answers_save(*, paper: ExamPaper, answers: dict, actor, now: dt.datetime | None = None) -> ExamPaper:
    """Save the candidate's answers ({item pk: letters or list of letters}) with one upsert per call.

    The paper row is locked, so a hand-in never misses an answer saved at the same moment. After the
    deadline nothing is saved: the paper is handed in and the candidate told so."""
    now = now or timezone.now()
    expired = False
    with transaction.atomic():
        locked = ExamPaper.objects.select_for_update().get(pk=paper.pk)
        if locked.status == P.NOT_STARTED:
            raise ValidationError("请先开始考试再作答。", code="not_started")
        if locked.status != P.IN_PROGRESS:
            raise ValidationError("您已交卷，答案不能再修改。", code="closed")
        if now >= locked.deadline:
            expired = True
        else:
            ids = {int(k) for k in answers}
            drawn = {pk: (kind, len(options)) for pk, kind, options in
                     QuestionItem.objects.filter(pk__in=ExamPaperItem.objects.filter(paper=locked, item_id__in=ids)
                                                 .values("item_id")).values_list("pk", "kind", "options")}
            if set(drawn) != ids:
                raise ValidationError("提交的试题不属于您的试卷。", code="foreign_item")
            rows = [ExamAnswer(paper=locked, item_id=int(k), saved_at=now,
                               choice=_clean_choice(v, kind=drawn[int(k)][0], n_options=drawn[int(k)][1]))
                    for k, v in answers.items()]
            if rows:
                ExamAnswer.objects.bulk_create(rows, update_conflicts=True, unique_fields=["paper", "item"],
                                               update_fields=["choice", "saved_at"])
    if expired:
        exam_paper_submit(paper=paper, actor=None, automatic=True, now=now)
        raise _refuse_time_up()
    return locked


def _score_paper(paper: ExamPaper) -> tuple[Decimal, int, int]:
    """Score the objective items: an item earns its points when the chosen letters equal the answer exactly
    (multiple choice: all right options and no wrong one). Returns (raw points, right, answered)."""
    answers = {a.item_id: a for a in ExamAnswer.objects.filter(paper=paper)}
    raw, right = Decimal(0), 0
    for item_id, answer, points in ExamPaperItem.objects.filter(paper=paper).values_list(
            "item_id", "item__answer", "points"):
        given = answers.get(item_id)
        if given is None:
            continue
        earned = points if given.choice and given.choice == answer else Decimal(0)
        given.points_awarded = earned
        raw += earned
        right += earned > 0
    ExamAnswer.objects.bulk_update(list(answers.values()), ["points_awarded"], batch_size=500)
    return raw.quantize(Decimal("0.1")), right, sum(1 for a in answers.values() if a.choice)


def scaled_score(raw: Decimal, total: Decimal) -> Decimal:
    if not total:
        return Decimal("0.00")
    return (Decimal(raw) * HUNDRED / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _stage_score_write(*, application_id: int, score, absent: bool, detail: dict) -> None:
    StageScore.objects.update_or_create(application_id=application_id, stage=Stage.EXAM,
                                        defaults={"score": score, "absent": absent, "detail": detail})


def exam_paper_submit(*, paper: ExamPaper, actor, automatic: bool = False,
                      now: dt.datetime | None = None) -> ExamPaper:
    """Hand the paper in, score it and write the exam's StageScore (0–100 by the paper's total points).

    Idempotent: a paper already handed in is returned unchanged. A hand-in after the deadline counts as
    automatic and is dated at the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ExamPaper.objects.select_for_update().select_related("session", "application").get(pk=paper.pk)
        if locked.status != P.IN_PROGRESS:
            return locked
        if now >= locked.deadline:
            automatic, now = True, locked.deadline
        raw, right, answered = _score_paper(locked)

        def apply(p):
            p.submitted_at, p.raw_points = now, raw
            p.hand_in = ExamPaper.HandIn.AUTOMATIC if automatic else ExamPaper.HandIn.CANDIDATE

        locked = transition(instance=locked, to=P.SUBMITTED, actor=actor, allowed=PAPER_TRANSITIONS,
                            action="reviews.exam.auto_submitted" if automatic else "reviews.exam.submitted",
                            apply=apply)
        score = scaled_score(raw, locked.total_points)
        _stage_score_write(application_id=locked.application_id, score=score, absent=False, detail={
            "source": "online", "session": locked.session_id, "paper": locked.pk,
            "candidate_number": locked.candidate_number, "raw_points": str(raw),
            "total_points": str(locked.total_points), "right": right, "answered": answered,
            "hand_in": locked.hand_in,
        })
        audit(subject=locked.application, action="reviews.exam.scored", actor=actor)
    return locked


def exam_paper_mark_absent(*, paper: ExamPaper, now: dt.datetime | None = None) -> ExamPaper:
    """A paper never started when its session ended: 缺考, StageScore absent with no score."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ExamPaper.objects.select_for_update().select_related("session").get(pk=paper.pk)
        if locked.status != P.NOT_STARTED or now < locked.session.ends_at:
            return locked
        locked = transition(instance=locked, to=P.ABSENT, actor=None, allowed=PAPER_TRANSITIONS,
                            action="reviews.exam.absent")
        _stage_score_write(application_id=locked.application_id, score=None, absent=True, detail={
            "source": "online", "session": locked.session_id, "paper": locked.pk,
            "candidate_number": locked.candidate_number})
    return locked


def exam_paper_close_if_expired(*, paper: ExamPaper, now: dt.datetime | None = None) -> ExamPaper:
    """On any request for a paper: hand it in if its clock ran out."""
    now = now or timezone.now()
    if paper.status == P.IN_PROGRESS and now >= paper.deadline:
        return exam_paper_submit(paper=paper, actor=None, automatic=True, now=now)
    if paper.status == P.NOT_STARTED and now >= paper.session.ends_at:
        return exam_paper_mark_absent(paper=paper, now=now)
    return paper


EXPIRY_BATCH = 500


def exam_papers_close_expired(*, now: dt.datetime | None = None, limit: int | None = None) -> dict:
    """The beat task's work: hand in every paper past its deadline, mark unstarted ones of ended sessions
    absent. Each paper in its own short transaction; at most EXPIRY_BATCH of each per run."""
    now = now or timezone.now()
    limit = limit or EXPIRY_BATCH
    handed = absent = 0
    for paper in ExamPaper.objects.filter(status=P.IN_PROGRESS, deadline__lte=now).order_by("deadline")[:limit]:
        handed += exam_paper_submit(paper=paper, actor=None, automatic=True, now=now).status == P.SUBMITTED
    for paper in ExamPaper.objects.filter(status=P.NOT_STARTED, session__ends_at__lte=now).order_by("pk")[:limit]:
        absent += exam_paper_mark_absent(paper=paper, now=now).status == P.ABSENT
    return {"submitted": handed, "absent": absent}


# --- external exam centre: score import --------------------------------------------------------------------

SCORE_COLUMNS = {"number": "申报编号", "score": "成绩", "absent": "缺考"}
ABSENT_WORDS = {"缺考", "是", "y", "yes", "1", "true", "√"}
IMPORT_MAX_BYTES = 10 * 1024 * 1024


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_score_rows(data: bytes, file_name: str) -> list[tuple[int, str, object, str]]:
    """(Excel row number, application number, raw score cell, absent cell) for every non-empty row."""
    import io

    from openpyxl import load_workbook

    if not file_name.lower().endswith(".xlsx"):
        raise ValidationError(f"文件“{file_name}”不是XLSX文件，请使用成绩模板（.xlsx）。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many types on a malformed file
        raise ValidationError(f"无法读取文件“{file_name}”：请上传有效的XLSX文件。") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell_text(h) for h in next(rows, ())]
        missing = [SCORE_COLUMNS[k] for k in ("number", "score") if SCORE_COLUMNS[k] not in header]
        if missing:
            raise ValidationError(f"文件“{file_name}”缺少以下列：{'、'.join(missing)}。"
                                  "第1行应为表头：申报编号、成绩（可选：缺考）。")
        i_num, i_score = header.index(SCORE_COLUMNS["number"]), header.index(SCORE_COLUMNS["score"])
        i_abs = header.index(SCORE_COLUMNS["absent"]) if SCORE_COLUMNS["absent"] in header else None
        out = []
        for number, row in enumerate(rows, start=2):
            cells = list(row) + [None] * (len(header) - len(row))
            if all(c is None or _cell_text(c) == "" for c in cells):
                continue
            score = cells[i_score]
            out.append((number, _cell_text(cells[i_num]), score if isinstance(score, int | float | None) else
                        _cell_text(score), _cell_text(cells[i_abs]) if i_abs is not None else ""))
        return out
    finally:
        book.close()


class ExamScoreImporter(SetBasedImporter):
    """The exam-score rows on the shared set-based path (`certification.bulk_import`): every application
    number of the chunk resolved in one query (per 5,000), each row checked in Python (also against earlier
    rows: duplicates), all scores written with one upsert. With `writes=False` it only checks (the preview)."""

    def __init__(self, *, campaign, import_pk: int | None = None, writes: bool = True):
        self.campaign, self.import_pk, self.writes = campaign, import_pk, writes
        self.reset()

    def reset(self):
        self.known: dict[str, tuple[int, str]] = {}
        self.seen: dict[str, int] = {}
        self.planned: list[dict] = []

    def prefetch(self, rows):
        numbers = list({r["number"] for r in rows if r["number"]})
        for start in range(0, len(numbers), 5000):
            self.known.update({n: (pk, st) for n, pk, st in Application.objects.filter(
                campaign=self.campaign, number__in=numbers[start:start + 5000]).values_list("number", "pk", "status")})

    def plan_row(self, number, row):
        problems = {}
        app_no, row_no = row["number"], row["row"]
        if not app_no:
            problems[SCORE_COLUMNS["number"]] = "申报编号不能为空。"
        elif app_no in self.seen:
            problems[SCORE_COLUMNS["number"]] = f"申报编号“{app_no}”与第{self.seen[app_no]}行重复。"
        elif app_no not in self.known:
            problems[SCORE_COLUMNS["number"]] = f"申报编号“{app_no}”不是本认证活动的申请。"
        elif self.known[app_no][1] != Application.Status.EXAM:
            label = Application.Status(self.known[app_no][1]).label
            problems[SCORE_COLUMNS["number"]] = f"申报编号“{app_no}”的申请当前状态为“{label}”，不在笔试阶段。"
        if app_no and app_no not in self.seen:
            self.seen[app_no] = row_no
        raw_score = row["score"]
        score_text = _cell_text(raw_score)
        absent = row["absent"].lower() in ABSENT_WORDS or score_text == "缺考"
        score = None
        if absent:
            if score_text not in ("", "缺考"):
                problems[SCORE_COLUMNS["score"]] = f"标为缺考的考生不应有成绩（成绩“{score_text}”）。"
        elif score_text == "":
            problems[SCORE_COLUMNS["score"]] = "成绩为空：请填写0–100的分数，或在“缺考”列填“是”。"
        else:
            try:
                score = Decimal(str(raw_score) if isinstance(raw_score, int | float) else score_text)
                if not score.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems[SCORE_COLUMNS["score"]] = f"成绩“{score_text}”不是数字。"
            else:
                if score < 0 or score > 100:
                    problems[SCORE_COLUMNS["score"]] = f"成绩 {score_text} 超出0–100的范围。"
                score = score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if problems:
            raise RowInvalid(problems)
        self.planned.append({"row": row_no, "application": self.known[app_no][0], "score": score,
                             "absent": absent})
        return "new"

    def write(self, *, actor):
        if not self.writes or not self.planned:
            return
        now = timezone.now()
        StageScore.objects.bulk_create(
            [StageScore(application_id=p["application"], stage=Stage.EXAM, absent=p["absent"], score=p["score"],
                        updated_at=now, detail={"source": "import", "import": self.import_pk, "row": p["row"]})
             for p in self.planned],
            update_conflicts=True, unique_fields=["application", "stage"],
            update_fields=["score", "absent", "detail", "updated_at"], batch_size=2000)


def _check_score_rows(*, campaign, rows, import_pk=None, writes=False):
    """Run the rows through the set-based importer as ONE chunk; returns (planned rows, errors by Excel row).
    The caller decides whether what was written stays (all rows or none)."""
    importer = ExamScoreImporter(campaign=campaign, import_pk=import_pk, writes=writes)
    outcome = run_set_based_import(
        importer=importer, actor=None, chunk_rows=len(rows) + 1, first_row=0,
        rows=[{"row": r[0], "number": r[1], "score": r[2], "absent": r[3]} for r in rows])
    by_row: dict[int, dict] = {}
    for index, _column, messages in outcome.errors:  # the helper numbers rows from first_row=0: an index
        row_no, number = rows[index][0], rows[index][1]
        by_row.setdefault(row_no, {"row": row_no, "number": number, "messages": []})["messages"] += messages
    return importer.planned, sorted(by_row.values(), key=lambda e: e["row"])


def _imports_allowed(campaign) -> None:
    if not campaign.has_exam:
        raise ValidationError("本认证活动不设笔试。")
    session = ExamSession.objects.filter(campaign=campaign).first()
    if session is not None and session.is_online:
        raise ValidationError("本认证活动的笔试在考试中心在线进行，成绩由系统评分，不能导入外部成绩。")


def exam_score_import_preview(*, campaign, upload, actor) -> ExamScoreImport:
    """Store the upload and check every row; nothing is written to the scores. The preview lists the rows
    and every bad one by row number."""
    from applicants.files import safe_display_name

    _imports_allowed(campaign)
    name = safe_display_name(upload.name)
    if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
        raise ValidationError(f"文件“{name}”超过{IMPORT_MAX_BYTES // (1024 * 1024)}MB。")
    upload.seek(0)
    rows = _read_score_rows(upload.read(), name)
    if not rows:
        raise ValidationError(f"文件“{name}”中没有数据行。")
    good, errors = _check_score_rows(campaign=campaign, rows=rows)
    upload.seek(0)
    with transaction.atomic():
        record = ExamScoreImport(campaign=campaign, original_name=name, uploaded_by=actor, row_count=len(rows),
                                 rows=[list(r) for r in rows],
                                 absent_count=sum(r["absent"] for r in good), error_report=errors,
                                 status=ExamScoreImport.Status.REJECTED if errors else
                                 ExamScoreImport.Status.PREVIEWED)
        record.upload.save(name, upload, save=False)
        record.full_clean()
        record.save()
        audit(subject=record, action="reviews.exam.import_rejected" if errors else "reviews.exam.import_previewed",
              actor=actor, to_state=record.status, reason=f"{name}：{len(rows)}行，错误{len(errors)}行")
    return record


def exam_score_import_rows(*, record: ExamScoreImport) -> list[tuple[int, str, object, str]]:
    """The rows read from the file at preview: what the secretariat saw is what gets written."""
    return [tuple(r) for r in record.rows]


IMPORT_TRANSITIONS = {
    ExamScoreImport.Status.PREVIEWED: {ExamScoreImport.Status.IMPORTED, ExamScoreImport.Status.REJECTED},
    ExamScoreImport.Status.IMPORTED: set(),
    ExamScoreImport.Status.REJECTED: set(),
}


class _Rejected(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def exam_score_import_confirm(*, record: ExamScoreImport, actor) -> ExamScoreImport:
    """Write every row of a previewed file, or none: the rows read at preview are checked again inside one
    transaction (the data may have changed since the preview) and any bad row stops the whole import.

    Set-based (`certification.bulk_import`, the whole file as one chunk): references resolved with one query
    per 5,000 numbers, all scores written with one upsert; rolled back together when any row is refused."""
    _imports_allowed(record.campaign)
    if record.status != ExamScoreImport.Status.PREVIEWED:
        raise ValidationError(f"该导入文件的状态为“{record.get_status_display()}”，不能导入。")
    with transaction.atomic():
        locked = ExamScoreImport.objects.select_for_update().get(pk=record.pk)
        if locked.status != ExamScoreImport.Status.PREVIEWED:
            raise ValidationError(f"该导入文件的状态为“{locked.get_status_display()}”，不能导入。")
        rows = exam_score_import_rows(record=locked)
        try:
            with transaction.atomic():
                good, errors = _check_score_rows(campaign=record.campaign, rows=rows, import_pk=record.pk,
                                                 writes=True)
                if errors:
                    raise _Rejected(errors)  # undoes what the importer wrote: all rows or none
        except _Rejected as rejected:
            errors = rejected.errors

            def reject(r):
                r.error_report = errors

            transition(instance=locked, to=ExamScoreImport.Status.REJECTED, actor=actor,
                       allowed=IMPORT_TRANSITIONS, action="reviews.exam.import_rejected", apply=reject,
                       reason=f"确认导入时发现错误{len(errors)}行")
            failed = ValidationError(f"导入未执行：有{len(errors)}行错误，全部数据均未导入。", code="rows_invalid")
            failed.error_rows = errors
        else:
            absent = sum(g["absent"] for g in good)

            def done(r):
                r.imported_at, r.error_report, r.absent_count = timezone.now(), [], absent

            locked = transition(instance=locked, to=ExamScoreImport.Status.IMPORTED, actor=actor,
                                allowed=IMPORT_TRANSITIONS, action="reviews.exam.imported", apply=done,
                                reason=f"{len(good)}行，其中缺考{absent}人")
            failed = None
    record.refresh_from_db()
    if failed is not None:
        raise failed
    return locked
