from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportModelAdmin

from certification.idcard import mask_id_number

from . import services
from .models import ApplicantProfile, Application, DossierEntry, LegacyImportJob
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
        """Queue the import as a background job (good rows import, bad ones are listed) and show its page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "旧平台数据导入"}
        upload = request.FILES.get("import_file")
        if request.method == "POST":
            if not upload:
                messages.error(request, "请选择要导入的CSV或XLSX文件。")
            else:
                try:
                    job = services.legacy_import_job_create(upload=upload, actor=request.user)
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    return redirect("admin:applicants_legacyimportjob_change", job.pk)
        return render(request, "admin/applicants/application/legacy_import.html", context)


@admin.register(LegacyImportJob)
class LegacyImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "uploaded_by", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    actions = ["rerun"]
    # Jobs change only through the services; the change page is replaced by a read-only job page.
    exclude = ["upload"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="进度")
    def progress(self, obj):
        return f"{obj.processed_rows} / {obj.total_rows} 行（{obj.progress_percent}%）"

    @admin.action(description="重新运行（失败或中断的任务）", permissions=["change"])
    def rerun(self, request, queryset):
        for job in queryset:
            try:
                services.legacy_import_job_rerun(job=job, actor=request.user)
            except ValidationError as exc:
                messages.error(request, f"{job.original_name}：{'；'.join(exc.messages)}")
            else:
                messages.success(request, f"{job.original_name}：已重新排队。")

    def get_urls(self):
        return [path("<int:pk>/rerun/", self.admin_site.admin_view(require_POST(self.rerun_view)),
                     name="applicants_legacyimportjob_rerun"), *super().get_urls()]

    def rerun_view(self, request, pk):
        job = get_object_or_404(LegacyImportJob, pk=pk)
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        try:
            services.legacy_import_job_rerun(job=job, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("admin:applicants_legacyimportjob_change", job.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(LegacyImportJob.objects.select_related("uploaded_by"), pk=object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "job": job,
            "title": f"旧平台数据导入：{job.original_name}",
            "in_progress": job.status in (LegacyImportJob.Status.QUEUED, LegacyImportJob.Status.RUNNING),
            "can_rerun": job.status in (LegacyImportJob.Status.FAILED, LegacyImportJob.Status.RUNNING,
                                        LegacyImportJob.Status.INTERRUPTED)
            and bool(job.upload) and self.has_change_permission(request, job),
            "import_url": reverse("admin:applicants_application_legacy_import"),
        }
        return render(request, "admin/applicants/legacyimportjob/job.html", context)


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
