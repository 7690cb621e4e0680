from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from . import logdisplay, services
from .models import (
    AuditEntry,
    Authority,
    BarredUnit,
    CalendarYear,
    Campaign,
    HolidayDay,
    Notification,
    Province,
    User,
)
from .tasks import send_notification


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "authority", "is_active", "date_joined"]
    list_filter = ["role", "authority", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "mobile"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("个人信息", {"fields": ["full_name", "mobile", "email_verified"]}),
        ("角色", {"fields": ["role", "authority"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {
        "classes": ["wide"],
        "fields": ["email", "full_name", "role", "authority", "is_staff", "password1", "password2"],
    })]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name"]
    search_fields = ["code", "name"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "province"]
    list_filter = ["kind"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "authority", "level", "year", "status", "application_start", "application_end",
                    "fee", "is_demo"]
    list_filter = ["status", "level", "year", "authority", "is_demo"]
    search_fields = ["title", "slug"]
    readonly_fields = ["status", "created_at", "updated_at"]
    actions = ["publish", "close"]

    @admin.action(description="发布所选认证活动")
    def publish(self, request, queryset):
        self._apply(request, queryset, services.campaign_publish)

    @admin.action(description="结束所选认证活动")
    def close(self, request, queryset):
        self._apply(request, queryset, services.campaign_close)

    def _apply(self, request, queryset, func):
        for campaign in queryset:
            try:
                func(campaign=campaign, actor=request.user, reason="管理后台操作")
            except ValidationError as exc:
                self.message_user(request, f"{campaign}：{'；'.join(exc.messages)}", messages.ERROR)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditActionFilter(admin.SimpleListFilter):
    """Filter by stable code, listed by its Chinese label."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(code, f"{logdisplay.label(code)}（{code}）") for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "content_type", "object_id", "action_display", "from_state", "to_state", "reason"]
    list_filter = ["content_type", AuditActionFilter]
    search_fields = ["object_id", "reason", "actor__email"]
    date_hierarchy = "at"

    @admin.display(description="操作", ordering="action")
    def action_display(self, obj):
        return f"{obj.action_label}（{obj.action}）"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to_email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to_email", "subject"]
    actions = ["resend"]

    def has_change_permission(self, request, obj=None):
        # Needed for the resend action; fields stay read-only.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="重新发送失败的通知")
    def resend(self, request, queryset):
        for note in queryset.filter(status=Notification.Status.FAILED):
            Notification.objects.filter(pk=note.pk).update(status=Notification.Status.QUEUED)
            send_notification.delay(note.pk)


@admin.register(BarredUnit)
class BarredUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "barred_on", "barred_until", "reason", "created_by"]
    list_filter = ["province"]
    search_fields = ["name", "reason"]
    fields = ["name", "province", "barred_on", "reason", "barred_until", "created_by"]
    readonly_fields = ["barred_until", "created_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The three-year period is computed by the service, as everywhere else a unit is barred.
        saved = services.unit_bar(name=obj.name, province=obj.province, reason=obj.reason, actor=request.user,
                                  barred_on=obj.barred_on)
        obj.pk = saved.pk


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "note", "updated_at"]


@admin.register(HolidayDay)
class HolidayDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "date"
