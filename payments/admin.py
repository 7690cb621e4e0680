from django.contrib import admin
from import_export.admin import ExportMixin, ImportExportModelAdmin

from .models import MemberRecord, NotificationLog, Order, Payment, Refund
from .resources import MemberRecordResource, OrderResource


@admin.register(MemberRecord)
class MemberRecordAdmin(ImportExportModelAdmin):
    resource_classes = [MemberRecordResource]
    list_display = ["number", "name", "valid_until", "imported_at"]
    search_fields = ["number", "name"]


class MoneyAdmin(admin.ModelAdmin):
    """Money is changed only through the services (with locks and audit); the admin reads and exports."""

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["reference", "provider", "provider_txn_id", "amount", "state", "confirmed_at", "confirmed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["amount", "reason", "actor", "provider_refund_id", "state", "created_at", "completed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ExportMixin, MoneyAdmin):
    resource_classes = [OrderResource]
    list_display = ["number", "campaign", "applicant", "status", "amount", "invoice_status", "created_at", "paid_at"]
    list_filter = ["status", "invoice_status", "campaign"]
    search_fields = ["number", "applicant__email", "applicant__full_name", "application__number"]
    list_select_related = ["campaign", "applicant"]
    inlines = [PaymentInline, RefundInline]


@admin.register(Payment)
class PaymentAdmin(MoneyAdmin):
    list_display = ["order", "provider", "provider_txn_id", "amount", "state", "created_at", "confirmed_at"]
    list_filter = ["provider", "state"]
    search_fields = ["order__number", "provider_txn_id"]
    list_select_related = ["order"]


@admin.register(Refund)
class RefundAdmin(MoneyAdmin):
    list_display = ["order", "amount", "reason", "actor", "state", "provider_refund_id", "created_at"]
    list_filter = ["state"]
    search_fields = ["order__number", "provider_refund_id"]
    list_select_related = ["order", "actor"]


@admin.register(NotificationLog)
class NotificationLogAdmin(MoneyAdmin):
    list_display = ["received_at", "provider", "source", "order_number", "provider_txn_id", "outcome", "reason"]
    list_filter = ["provider", "outcome", "source"]
    search_fields = ["order_number", "provider_txn_id"]
