from django.urls import path

from . import views

app_name = "applicants"
urlpatterns = [
    path("", views.my_certifications, name="my_certifications"),
]
