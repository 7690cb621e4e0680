from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("eligibility/", views.eligibility_list, name="eligibility_list"),
    path("eligibility/<int:pk>/return/", views.eligibility_return, name="eligibility_return"),
    # Exam centre and ranking/defense hook in below with one include line each.
]
