from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from certification import accounts
from certification import views as cv
from certification.throttle import PASSWORD_RESET_LIMITS, throttled

admin.site.site_header = "青少年科技辅导员专业水平认证平台 · 管理"
admin.site.site_title = "认证平台管理"
admin.site.index_title = "管理首页"

urlpatterns = [
    path("", cv.catalogue, name="catalogue"),
    path("campaigns/<slug:slug>/", cv.campaign_detail, name="campaign_detail"),
    path("home/", cv.home, name="home"),
    path("workbench/", cv.workbench, name="workbench"),
    path("workbench/campaigns/new/", cv.campaign_edit, name="campaign_create"),
    path("workbench/campaigns/<slug:slug>/", cv.campaign_manage, name="campaign_manage"),
    path("workbench/campaigns/<slug:slug>/edit/", cv.campaign_edit, name="campaign_edit"),
    path("workbench/campaigns/<slug:slug>/<str:action>/", cv.campaign_action, name="campaign_action"),
    path("workbench/outbox/", cv.outbox, name="outbox"),
    path("workbench/exports/<int:pk>/", cv.export_job, name="export_job"),
    path("workbench/exports/<int:pk>/download/", cv.export_download, name="export_download"),
    path("expert/", cv.expert_home, name="expert_home"),
    path("supervision/", cv.supervision_home, name="supervision_home"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/done/", accounts.signup_done, name="signup_done"),
    # "resend" before the token route, which would otherwise swallow it.
    path("accounts/verify/resend/", accounts.verify_email_resend, name="verify_email_resend"),
    path("accounts/verify/<str:token>/", accounts.verify_email, name="verify_email"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/password/reset/", throttled(*PASSWORD_RESET_LIMITS)(auth_views.PasswordResetView.as_view()),
         name="password_reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("me/", include("applicants.urls")),
    path("orders/", include("payments.urls")),
    path("review/", include("reviews.urls")),
    path("exam/", include("reviews.exam_urls")),
    path("", include("certificates.urls")),
    path("admin/", admin.site.urls),
]
