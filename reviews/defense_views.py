"""Defense pages: the secretariat's panels, slots and schedule; the expert's scoring page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from applicants.models import Application

from . import defense_services
from .defense_models import DefenseBooking, DefensePanel, DefensePanelMember, DefenseScore, DefenseSettings, DefenseSlot
from .models import Expert, Stage, StageScore
from .ranking_views import _campaign_for


class PanelForm(forms.Form):
    name = forms.CharField(label="答辩组名称", max_length=50)


class MemberForm(forms.Form):
    panel = forms.ModelChoiceField(label="答辩组", queryset=DefensePanel.objects.none())
    expert = forms.ModelChoiceField(label="评审专家", queryset=Expert.objects.none(),
                                    help_text="本认证机构专家库中的专家；与申请人同单位、本人或声明回避者不评该申请人。")

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = DefensePanel.objects.filter(campaign=campaign)
        self.fields["expert"].queryset = Expert.objects.filter(authority_id=campaign.authority_id, active=True)


class SlotForm(forms.Form):
    panel = forms.ModelChoiceField(label="答辩组", queryset=DefensePanel.objects.none())
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    meeting_url = forms.URLField(label="视频会议链接", max_length=300, assume_scheme="https")
    capacity = forms.IntegerField(label="可安排人数", min_value=1, max_value=50, initial=1)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = DefensePanel.objects.filter(campaign=campaign)


@login_required
def defense_manage(request, slug):
    campaign = _campaign_for(request, slug)
    if not campaign.has_defense:
        raise Http404
    panels = list(DefensePanel.objects.filter(campaign=campaign).prefetch_related("members__expert", "slots"))
    bookings = {b.application_id: b for b in DefenseBooking.objects.filter(application__campaign=campaign)
                .select_related("slot__panel")}
    scored = {}
    for row in DefenseScore.objects.filter(application__campaign=campaign).values_list("application_id", flat=True):
        scored[row] = scored.get(row, 0) + 1
    finals = {s.application_id: s for s in StageScore.objects.filter(application__campaign=campaign,
                                                                     stage=Stage.DEFENSE)}
    applicants = list(Application.objects.filter(campaign=campaign, status=Application.Status.SHORTLISTED)
                      .select_related("applicant").order_by("number"))
    for a in applicants:
        a.booking = bookings.get(a.pk)
        a.score_count = scored.get(a.pk, 0)
        a.final = finals.get(a.pk)
        a.display_name = (a.profile_snapshot or {}).get("full_name") or str(a.applicant)
        a.unit = (a.profile_snapshot or {}).get("employer", "")
    slots = [s for p in panels for s in p.slots.all()]
    return render(request, "reviews/defense/manage.html", {
        "campaign": campaign, "panels": panels, "applicants": applicants, "slots": slots,
        "settings": defense_services.settings_for(campaign),
        "aggregations": DefenseSettings.Aggregation.choices,
        "panel_form": PanelForm(), "member_form": MemberForm(campaign=campaign),
        "slot_form": SlotForm(campaign=campaign),
    })


@login_required
@require_POST
def defense_action(request, slug, action):
    campaign = _campaign_for(request, slug)
    user, post = request.user, request.POST
    try:
        if action == "panel":
            form = PanelForm(post)
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            defense_services.panel_create(campaign=campaign, name=form.cleaned_data["name"], actor=user)
            messages.success(request, "答辩组已创建。")
        elif action == "member":
            form = MemberForm(post, campaign=campaign)
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            d = form.cleaned_data
            defense_services.panel_member_add(panel=d["panel"], expert=d["expert"], actor=user)
            messages.success(request, "评委已加入答辩组。")
        elif action == "slot":
            form = SlotForm(post, campaign=campaign)
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            defense_services.slot_create(actor=user, **form.cleaned_data)
            messages.success(request, "答辩时段已创建。")
        elif action == "auto":
            result = defense_services.schedule_automatically(campaign=campaign, actor=user)
            messages.success(request, f"已自动安排{len(result['scheduled'])}人。")
            if result["unscheduled"]:
                messages.warning(request, "以下申请人无可用时段或各组均需回避，请手动安排："
                                 + "、".join(a.number or str(a.pk) for a in result["unscheduled"]))
        elif action == "manual":
            application = get_object_or_404(Application, pk=post.get("application"), campaign=campaign)
            slot = get_object_or_404(DefenseSlot, pk=post.get("slot"), panel__campaign=campaign)
            defense_services.schedule_by_hand(application=application, slot=slot, actor=user)
            messages.success(request, f"已将{application.number}安排到{slot}。")
        elif action == "announce":
            n = defense_services.schedule_announce(campaign=campaign, actor=user)
            messages.success(request, f"已向{n}位申请人发送答辩安排（含日历文件）。")
        elif action == "settings":
            defense_services.settings_save(campaign=campaign, aggregation=post.get("aggregation", ""), actor=user)
            messages.success(request, "答辩计分规则已保存。")
        elif action == "absent":
            application = get_object_or_404(Application, pk=post.get("application"), campaign=campaign)
            defense_services.defense_mark_absent(application=application, actor=user)
            messages.success(request, f"已登记{application.number}答辩缺席。")
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("reviews:defense_manage", slug=slug)


def _form_errors(form) -> list[str]:
    return [f"{form.fields[f].label if f in form.fields else ''}：{e}".lstrip("：")
            for f, errs in form.errors.items() for e in errs]


# --- the expert -----------------------------------------------------------------------------------------

@login_required
def defense_expert(request):
    """The defenses an expert judges: only applicants scheduled into their panels; only their own scores."""
    expert = _expert_of(request)
    panel_ids = DefensePanelMember.objects.filter(expert=expert).values_list("panel_id", flat=True)
    bookings = list(DefenseBooking.objects.filter(slot__panel_id__in=panel_ids)
                    .select_related("slot__panel", "application__campaign", "application__applicant")
                    .order_by("slot__starts_at", "pk"))
    mine = dict(DefenseScore.objects.filter(expert=expert, application__in=[b.application for b in bookings])
                .values_list("application_id", "score"))
    for b in bookings:
        b.my_score = mine.get(b.application_id)
        b.display_name = (b.application.profile_snapshot or {}).get("full_name") or str(b.application.applicant)
    return render(request, "reviews/defense/expert.html", {"bookings": bookings})


def _expert_of(request) -> Expert | None:
    """The signed-in expert's record in the expert pool (None for an expert account not in any pool)."""
    if not request.user.has_perm("reviews.score_defense"):
        raise PermissionDenied
    return Expert.objects.filter(user=request.user).first()


@login_required
@require_POST
def defense_score(request, pk):
    expert = _expert_of(request)
    application = get_object_or_404(Application.objects.select_related("campaign"), pk=pk)
    try:
        defense_services.defense_score_submit(application=application, expert=expert,
                                              score=request.POST.get("score", "").strip())
        messages.success(request, f"已保存对{application.number}的答辩评分。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("reviews:defense_expert")
