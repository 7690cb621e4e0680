from django.urls import path

from . import views

app_name = "applicants"
urlpatterns = [
    path("", views.my_certifications, name="my_certifications"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/photo/", views.profile_photo, name="profile_photo"),
    path("self-check/", views.self_check, name="self_check"),
    path("applications/start/", views.application_start, name="start"),
    path("applications/<int:pk>/", views.dossier, name="dossier"),
    path("applications/<int:pk>/items/<str:item_code>/add/", views.entry_add, name="entry_add"),
    path("applications/<int:pk>/entries/<int:entry_pk>/delete/", views.entry_delete, name="entry_delete"),
    path("applications/<int:pk>/entries/<int:entry_pk>/file/", views.entry_file, name="entry_file"),
    path("applications/<int:pk>/narrative/", views.narrative_save, name="narrative"),
    path("applications/<int:pk>/scan/", views.scan_upload, name="scan_upload"),
    path("applications/<int:pk>/scan/file/", views.scan_file, name="scan_file"),
    path("applications/<int:pk>/form.pdf", views.form_pdf, name="form_pdf"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
