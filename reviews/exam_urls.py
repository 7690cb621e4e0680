from django.urls import path

from . import exam_views as views

app_name = "exam"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("papers/<int:pk>/", views.paper_view, name="paper"),
    path("papers/<int:pk>/start/", views.paper_start, name="paper_start"),
    path("papers/<int:pk>/save/", views.paper_save, name="paper_save"),
    path("papers/<int:pk>/ticket.pdf", views.ticket_pdf, name="ticket"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<slug:slug>/", views.manage_campaign, name="manage_campaign"),
    path("manage/<slug:slug>/generate/", views.manage_generate, name="manage_generate"),
    path("manage/<slug:slug>/import/", views.manage_import, name="manage_import"),
    path("manage/<slug:slug>/import/<int:pk>/", views.manage_import_preview, name="manage_import_preview"),
    path("manage/<slug:slug>/import/<int:pk>/confirm/", views.manage_import_confirm, name="manage_import_confirm"),
]
