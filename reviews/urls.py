from django.urls import include, path

from . import views

app_name = "reviews"
urlpatterns = [
    # 资格审查 (secretariat)
    path("eligibility/", views.workbench, name="eligibility_list"),
    path("eligibility/decide/", views.eligibility_decide, name="eligibility_decide"),
    path("eligibility/release/", views.eligibility_release, name="eligibility_release"),
    path("eligibility/<int:pk>/", views.eligibility_detail, name="eligibility_detail"),
    path("eligibility/<int:pk>/return/", views.eligibility_return, name="eligibility_return"),
    path("eligibility/<int:pk>/withdraw-decision/", views.eligibility_withdraw_decision,
         name="eligibility_withdraw_decision"),
    path("eligibility/<int:pk>/entries/<int:entry_pk>/file/", views.eligibility_entry_file,
         name="eligibility_entry_file"),
    path("eligibility/<int:pk>/scan/", views.eligibility_scan_file, name="eligibility_scan_file"),
    path("eligibility/export/<slug:slug>.xlsx", views.eligibility_export, name="eligibility_export"),
    # 评审专家库, 业绩成果评审 (secretariat)
    path("experts/", views.experts, name="experts"),
    path("portfolio/", views.portfolio_campaigns, name="portfolio_campaigns"),
    path("portfolio/<slug:slug>/", views.portfolio, name="portfolio"),
    path("portfolio/<slug:slug>/assign/", views.portfolio_assign, name="portfolio_assign"),
    path("portfolio/<slug:slug>/calibration/", views.calibration, name="calibration"),
    path("portfolio/<slug:slug>/scores.xlsx", views.scores_export, name="scores_export"),
    path("assignment-jobs/<int:pk>/", views.assignment_job, name="assignment_job"),
    path("assignments/<int:pk>/move/", views.assignment_move, name="assignment_move"),
    # 评审任务 (expert)
    path("tasks/", views.expert_tasks, name="expert_tasks"),
    path("tasks/<int:pk>/", views.expert_task, name="expert_task"),
    path("tasks/<int:pk>/conflict/", views.expert_task_conflict, name="expert_task_conflict"),
    path("tasks/<int:pk>/entries/<int:entry_pk>/file/", views.expert_task_file, name="expert_task_file"),
    # Exam centre and ranking/defense hook in below with one include line each.
    path("", include("reviews.ranking_urls")),
]
