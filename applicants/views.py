from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Application


@login_required
def my_certifications(request):
    """我的认证."""
    applications = Application.objects.filter(applicant=request.user).select_related("campaign")
    return render(request, "applicants/my_certifications.html", {"applications": applications})
