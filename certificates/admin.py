from django import forms
from django.contrib import admin

from applicants.files import validate_image

from .models import (
    AuthoritySeal,
    Certificate,
    CertificateBatch,
    Complaint,
    PublicNotice,
)


class AuthoritySealForm(forms.ModelForm):
    class Meta:
        model = AuthoritySeal
        fields = ["authority", "image"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and hasattr(image, "seek") and not getattr(image, "_committed", False):
            # The same content check as applicants' photos: a real PNG or JPEG (PNG keeps the background clear).
            validate_image(image, label="印章图片")
        return image


@admin.register(AuthoritySeal)
class AuthoritySealAdmin(admin.ModelAdmin):
    form = AuthoritySealForm
    list_display = ["authority", "updated_at"]


@admin.register(PublicNotice)
class PublicNoticeAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status", "starts_on", "ends_on", "working_days", "first_day_counts"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in PublicNotice._meta.fields]

    def has_add_permission(self, request):
        return False  # posted by the secretariat from the workbench, which computes the end date


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["reference", "notice", "entry", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Complaint._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "holder_name", "level", "campaign", "issued_on", "status"]
    list_filter = ["status", "level"]
    search_fields = ["number", "holder_name"]
    readonly_fields = [f.name for f in Certificate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked with a reason at /certificates/<pk>/revoke/, never deleted


@admin.register(CertificateBatch)
class CertificateBatchAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status", "done", "failed", "total", "created_at", "finished_at"]
    readonly_fields = [f.name for f in CertificateBatch._meta.fields]

    def has_add_permission(self, request):
        return False
