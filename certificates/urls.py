from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<slug:slug>/", views.notice_detail, name="notice_detail"),
    path("notices/<slug:slug>/complain/<int:entry_pk>/", views.complaint_create, name="complaint_create"),
    path("supervision/complaints/", views.complaint_list, name="complaint_list"),
    path("supervision/complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("supervision/complaints/<int:pk>/files/<int:att_pk>/", views.complaint_attachment,
         name="complaint_attachment"),
    path("workbench/publication/<slug:slug>/", views.publication, name="publication"),
    path("workbench/publication/<slug:slug>/certificates/", views.batch_start, name="batch_start"),
    path("workbench/publication/<slug:slug>/mailing-list.csv", views.mailing_list, name="mailing_list"),
    path("workbench/certificate-batches/<int:pk>/", views.batch_detail, name="batch"),
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/search/", views.certificate_search, name="search"),
    path("certificates/<int:pk>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/credential.jwt", views.certificate_credential, name="credential"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
    path("verify/", views.verify, name="verify"),
    path("verify/c/<str:token>/", views.verify_link, name="verify_link"),
    path("verify/status/revocation", views.status_list, name="status_list"),
    path("verify/jwks.json", views.jwks, name="jwks"),
    path(".well-known/did.json", views.did_json, name="did"),
]
