"""Audit entries written before stable codes carried free Chinese text as their action: map each known text
to its code (`certification.logdisplay`). The payment text had the channel built in ("支付成功（异步通知）"); the
channel moves into the reason, as new entries write it. A text not listed here is left as it is (and shows
as itself). Reversing restores the label texts (the channel stays in the reason)."""

from django.db import migrations

OLD_TO_CODE = {
    "注册申请人账号": "certification.user.registered",
    "验证电子邮箱": "certification.user.email_verified",
    "创建认证活动": "certification.campaign.created",
    "修改认证活动": "certification.campaign.changed",
    "发布认证活动": "certification.campaign.published",
    "撤回认证活动": "certification.campaign.unpublished",
    "结束认证活动": "certification.campaign.closed",
    "取消单位申报资格": "certification.barred_unit.barred",
    "创建申报书草稿": "applicants.application.started",
    "提交申报书": "applicants.application.submitted",
    "缴费完成，进入资格审查": "applicants.application.paid",
    "取消报名": "applicants.application.withdrawn",
    "修改后重新提交": "applicants.application.resubmitted",
    "旧平台数据导入": "applicants.application.imported",
    "旧平台数据导入任务创建": "applicants.legacy_import.created",
    "旧平台数据导入任务重新运行": "applicants.legacy_import.rerun",
    "旧平台数据导入开始": "applicants.legacy_import.started",
    "旧平台数据导入失败": "applicants.legacy_import.failed",
    "旧平台数据导入完成": "applicants.legacy_import.done",
    # Written by applicants before the eligibility review moved into reviews.
    "资格审查退回修改": "reviews.eligibility.returned",
    "逾期未修改，资格审查不合格": "reviews.eligibility.expired",
    "生成订单": "payments.order.opened",
    "破格认证免缴费": "payments.order.fee_waived",
    "核验会员价": "payments.order.member_rate_checked",
    "修改开票信息": "payments.order.invoice_changed",
    "开具电子发票": "payments.order.invoice_issued",
    "全额退款": "payments.order.refunded",
    "登记退款（线下办理）": "payments.order.refund_registered",
    "线下退款已办理": "payments.order.refund_completed",
    "取消报名，关闭订单": "payments.order.cancelled",
    "取消报名（免缴费订单）": "payments.order.cancelled_fee_free",
}
PAID_PREFIX, PAID_CODE = "支付成功（", "payments.order.paid"


def forwards(apps, schema_editor):
    AuditEntry = apps.get_model("certification", "AuditEntry")
    for old, code in OLD_TO_CODE.items():
        AuditEntry.objects.filter(action=old).update(action=code)
    # "支付成功（<channel>）" with reason "交易号 <id>" → the code, reason "<channel>，交易号 <id>".
    for entry in AuditEntry.objects.filter(action__startswith=PAID_PREFIX).only("pk", "action", "reason"):
        channel = entry.action[len(PAID_PREFIX):].rstrip("）")
        reason = f"{channel}，{entry.reason}" if entry.reason else channel
        AuditEntry.objects.filter(pk=entry.pk).update(action=PAID_CODE, reason=reason)


def backwards(apps, schema_editor):
    AuditEntry = apps.get_model("certification", "AuditEntry")
    for old, code in OLD_TO_CODE.items():
        AuditEntry.objects.filter(action=code).update(action=old)
    AuditEntry.objects.filter(action=PAID_CODE).update(action="支付成功")


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_part_time_years_count")]

    operations = [migrations.RunPython(forwards, backwards)]
