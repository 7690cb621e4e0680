from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import path
from import_export.admin import ImportExportModelAdmin

from certification.idcard import mask_id_number

from . import services
from .models import ApplicantProfile, Application, DossierEntry
from .resources import ApplicationExportResource, LegacyApplicationResource


@admin.register(Application)
class ApplicationAdmin(ImportExportModelAdmin):
    list_display = ["number", "campaign", "applicant", "level", "status", "submitted_at"]
    list_filter = ["status", "level", "campaign"]
    search_fields = ["number", "applicant__email", "applicant__full_name"]
    list_select_related = ["campaign", "applicant"]
    # State changes go through the services (transition table + audit), never through this form.
    readonly_fields = ["applicant", "campaign", "level", "year", "number", "status", "submitted_at", "paid_at",
                       "amendment_deadline", "amendment_used", "return_reason", "profile_snapshot", "signed_scan",
                       "signed_scan_name", "created_at", "updated_at"]
    exclude = ["profile_snapshot"]
    resource_classes = [LegacyApplicationResource]
    import_export_change_list_template = "admin/applicants/application/change_list.html"

    def get_export_resource_classes(self, request):
        return [ApplicationExportResource]

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [path("legacy-import/", self.admin_site.admin_view(self.legacy_import_view),
                     name="applicants_application_legacy_import"), *super().get_urls()]

    def legacy_import_view(self, request):
        """Import the good rows and list the bad ones by row and column (the standard import is all-or-nothing)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "旧平台数据导入"}
        upload = request.FILES.get("import_file")
        if request.method == "POST" and upload:
            try:
                result, errors = services.legacy_import(data=upload.read(), file_name=upload.name,
                                                        actor=request.user)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                context.update(result=result, errors=errors, totals=result.totals)
        return render(request, "admin/applicants/application/legacy_import.html", context)


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "masked_id", "employer", "province", "user"]
    search_fields = ["full_name", "user__email", "employer"]
    list_select_related = ["province", "user"]
    exclude = ["id_number"]
    readonly_fields = ["masked_id", "birth_date", "gender"]

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return mask_id_number(obj.id_number) if obj.id_number else ""


@admin.register(DossierEntry)
class DossierEntryAdmin(admin.ModelAdmin):
    list_display = ["application", "item_code", "occurred_on", "attachment_name"]
    list_select_related = ["application"]
    exclude = ["attachment"]
