"""Review pages. Views parse input, guard with the `reviews.*` permissions, call a service and render.
An application outside the user's authority is a 404 so its existence does not leak."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from applicants.models import Application
from certification.idcard import mask_id_number
from certification.selectors import audit_trail

from . import selectors, services
from .forms import ReturnForm


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
def eligibility_list(request):
    """The secretariat's applications (own authority's campaigns), ID numbers masked."""
    _require(request, "reviews.view_eligibility_queue")
    status = request.GET.get("status") or ""
    qs = selectors.eligibility_queue(user=request.user)
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    # A province has thousands of applicants: render one page at a time.
    page = Paginator(qs, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page.object_list:
        profile = getattr(a.applicant, "applicant_profile", None)
        a.masked_id = mask_id_number(profile.id_number) if profile and profile.id_number else ""
        a.display_name = profile.full_name if profile else str(a.applicant)
    return render(request, "reviews/eligibility_list.html", {
        "applications": page.object_list, "page": page, "status": status,
        "statuses": Application.Status.choices})


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
