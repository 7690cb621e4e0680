"""Stage moves, shortlist, defense, ranking and results; included into reviews/urls.py (namespace "reviews")."""

from django.urls import path

from . import defense_views, ranking_views

urlpatterns = [
    path("results/", ranking_views.ranking_index, name="ranking_index"),
    path("results/<slug:slug>/", ranking_views.ranking_campaign, name="ranking_campaign"),
    path("results/<slug:slug>/export.xlsx", ranking_views.ranking_export, name="ranking_export"),
    path("results/<slug:slug>/<str:action>/", ranking_views.ranking_action, name="ranking_action"),
    path("defense/mine/", defense_views.defense_expert, name="defense_expert"),
    path("defense/mine/<int:pk>/score/", defense_views.defense_score, name="defense_score"),
    path("defense/<slug:slug>/", defense_views.defense_manage, name="defense_manage"),
    path("defense/<slug:slug>/<str:action>/", defense_views.defense_action, name="defense_action"),
    path("my-results/", ranking_views.my_results, name="my_results"),
    path("my-results/<int:pk>/defense.ics", ranking_views.my_defense_ics, name="my_defense_ics"),
]
