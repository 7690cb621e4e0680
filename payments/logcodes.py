"""Audit codes of the payments app, with their display labels (registered from `PaymentsConfig.ready()`).

Variable parts (the payment channel, the transaction or bank reference, amounts) go into the entry's
`reason`, never into the code.
"""

LATE_PAYMENT_REFUNDED = "payments.order.late_payment_refunded"

LABELS = {
    "payments.order.opened": "生成订单",
    "payments.order.fee_waived": "破格认证免缴费",
    "payments.order.member_rate_checked": "核验会员价",
    "payments.order.invoice_changed": "修改开票信息",
    "payments.order.invoice_issued": "开具电子发票",
    "payments.order.paid": "支付成功",
    "payments.order.refunded": "全额退款",
    "payments.order.refund_registered": "登记退款（线下办理）",
    "payments.order.refund_completed": "线下退款已办理",
    "payments.order.cancelled": "取消报名，关闭订单",
    "payments.order.cancelled_fee_free": "取消报名（免缴费订单）",
    LATE_PAYMENT_REFUNDED: "订单取消后到账的支付已入账并原路退款",
}
