from django.contrib import admin

from .models import Assignment, AssignmentJob, EligibilityDecision, Expert, ReviewSettings


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["full_name", "unit", "authority", "province", "city", "max_per_campaign", "active"]
    list_filter = ["authority", "active"]
    search_fields = ["full_name", "unit", "user__email"]
    raw_id_fields = ["user"]


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["campaign", "experts_per_dossier", "aggregation", "tolerance", "arbitration", "anonymous",
                    "review_due"]


@admin.register(EligibilityDecision)
class EligibilityDecisionAdmin(admin.ModelAdmin):
    list_display = ["application", "outcome", "status", "decided_by", "decided_at", "released_at"]
    list_filter = ["outcome", "status"]
    readonly_fields = [f.name for f in EligibilityDecision._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["application", "expert", "role", "status", "created_at"]
    list_filter = ["campaign", "role", "status"]
    readonly_fields = [f.name for f in Assignment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AssignmentJob)
class AssignmentJobAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status", "progress", "assigned", "created_at", "finished_at"]
    readonly_fields = [f.name for f in AssignmentJob._meta.fields]

    def has_add_permission(self, request):
        return False
