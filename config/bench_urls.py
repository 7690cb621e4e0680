"""URLs under `config.settings.bench` only: the whole site plus the benchmark's yardstick view."""

from django.http import HttpResponse
from django.urls import include, path


def session_and_user(request):
    """Loads the session and the user, as every signed-in page does, and nothing else."""
    return HttpResponse(str(request.user.pk), content_type="text/plain")


urlpatterns = [
    path("bench/session-user/", session_and_user),
    path("", include("config.urls")),
]
