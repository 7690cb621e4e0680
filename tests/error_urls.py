"""The site's URLs plus one view that fails, so a test can see the real 500 page (tests/test_error_pages.py)."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a deliberate failure for the 500 page test")


urlpatterns = [*site_urlpatterns, path("__boom__/", boom)]
