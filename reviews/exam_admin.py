"""Admin for the exam: the question bank (with XLSX import/export) and sessions. Papers and answers are
read-only here: they change only through the exam services."""

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import XLSX

from .exam_models import ExamPaper, ExamScoreImport, ExamSession, QuestionItem
from .exam_resources import QuestionItemResource


@admin.register(QuestionItem)
class QuestionItemAdmin(ImportExportModelAdmin):
    resource_classes = [QuestionItemResource]
    formats = [XLSX]
    list_display = ["code", "level", "kind", "topic", "points", "active"]
    list_filter = ["level", "kind", "active", "topic"]
    search_fields = ["code", "stem", "topic"]


class ExamSessionAdminForm(forms.ModelForm):
    class Meta:
        model = ExamSession
        fields = ["campaign", "title", "mode", "starts_at", "ends_at", "duration_minutes", "blueprint", "rules"]

    def clean(self):
        cleaned = super().clean()
        from .exam_services import exam_session_change_error

        for field, value in cleaned.items():
            setattr(self.instance, field, value)
        error = exam_session_change_error(self.instance)
        if error:
            raise forms.ValidationError(error)
        return cleaned


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    form = ExamSessionAdminForm
    list_display = ["title", "campaign", "mode", "starts_at", "ends_at", "duration_minutes"]
    list_filter = ["mode"]

    def save_model(self, request, obj, form, change):
        from .exam_services import exam_session_save

        exam_session_save(session=obj, actor=request.user)


@admin.register(ExamPaper)
class ExamPaperAdmin(admin.ModelAdmin):
    list_display = ["candidate_number", "session", "application", "status", "started_at", "deadline",
                    "submitted_at", "raw_points", "total_points"]
    list_filter = ["status", "session"]
    search_fields = ["candidate_number", "application__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExamScoreImport)
class ExamScoreImportAdmin(ExamPaperAdmin):
    list_display = ["original_name", "campaign", "status", "row_count", "absent_count", "created_at",
                    "imported_at"]
    list_filter = ["status"]
    search_fields = ["original_name"]
