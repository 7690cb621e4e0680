"""Orders pages: the applicant's 我的订单, the sandbox gateway, provider callbacks, the staff order list.

Views check who may see what and hand everything else to `payments.services`.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from certification.exports import csv_streaming_response, export_job_create
from certification.guards import require
from certification.models import Campaign
from certification.pdf import render_pdf
from certification.selectors import audit_trail

from . import selectors, services
from .exports import KIND as ORDER_EXPORT
from .exports import order_export_source
from .forms import (
    BankTransferConfirmForm,
    InvoiceForm,
    InvoiceIssuedForm,
    MemberForm,
    OrderFilterForm,
    RefundDoneForm,
    RefundReasonForm,
)
from .models import NotificationLog, Order, Payment, Refund
from .providers import available_providers, get_provider
from .tasks import deliver_sandbox_notification


def _own_order(request, number) -> Order:
    order = selectors.order_of_applicant(user=request.user, number=number)
    if order is None:
        raise Http404("订单不存在")
    return order


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
def my_orders(request):
    """我的订单."""
    orders = selectors.orders_of_applicant(user=request.user)
    return render(request, "payments/my_orders.html", {"orders": orders})


def _detail_context(request, order, *, invoice_form=None, member_form=None):
    return {
        "order": order,
        "application": order.application,
        "payments": order.payments.all(),
        "refunds": order.refunds.all(),
        "invoice_form": invoice_form or InvoiceForm.for_order(order),
        "member_form": member_form or MemberForm(initial={"member_number": order.member_number}),
        "providers": list(available_providers().values()),
        "awaiting_transfer": order.payments.filter(provider="bank_transfer", state=Payment.State.CREATED).exists(),
    }


@login_required
def order_detail(request, number):
    order = _own_order(request, number)
    return render(request, "payments/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_invoice(request, number):
    order = _own_order(request, number)
    form = InvoiceForm.for_order(order, data=request.POST)
    if form.is_valid():
        try:
            services.order_invoice_update(order=order, actor=request.user, title_type=form.cleaned_data["title_type"],
                                          title=form.cleaned_data["title"],
                                          taxpayer_id=form.cleaned_data["taxpayer_id"],
                                          email=form.cleaned_data["email"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "开票信息已保存。")
            return redirect("payments:order_detail", number=order.number)
    return render(request, "payments/order_detail.html", _detail_context(request, order, invoice_form=form),
                  status=400)


@login_required
@require_POST
def order_member(request, number):
    order = _own_order(request, number)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.order_recheck_member_rate(order=order, actor=request.user,
                                               member_number=form.cleaned_data["member_number"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.info(request, f"会员价核验结果：{order.member_rate_note}；应付 ¥{order.amount}。")
        return redirect("payments:order_detail", number=order.number)
    return render(request, "payments/order_detail.html", _detail_context(request, order, member_form=form),
                  status=400)


@login_required
@require_POST
def order_pay(request, number):
    order = _own_order(request, number)
    try:
        _payment, url = services.payment_start(order=order, provider_code=request.POST.get("provider", ""),
                                               actor=request.user, request=request)
    except LookupError:
        messages.error(request, "请选择可用的支付方式。")
        return redirect("payments:order_detail", number=order.number)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("payments:order_detail", number=order.number)
    return redirect(url)


@login_required
def order_receipt(request, number):
    order = _own_order(request, number)
    if not services.receipt_available(order):
        raise Http404("只有已支付的订单可以下载收据。")
    payment = order.payments.filter(state=Payment.State.CONFIRMED).first()
    pdf = render_pdf(template="payments/receipt.html", context={"order": order, "payment": payment,
                                                                 "printed_at": timezone.now()}, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{order.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the sandbox gateway (stands in for Alipay / WeChat Pay's own pages) ----------------------------------

@login_required
def sandbox_gateway(request, reference):
    if "sandbox" not in available_providers():
        raise Http404("未启用沙箱支付")
    payment = get_object_or_404(Payment.objects.select_related("order", "order__campaign"), reference=reference,
                                provider="sandbox", order__applicant=request.user)
    if request.method == "POST":
        if payment.state != Payment.State.CREATED:
            messages.error(request, "该笔支付已失效，请返回订单重新发起支付。")
            return redirect("payments:order_detail", number=payment.order.number)
        if request.POST.get("action") != "confirm":
            messages.info(request, "您已取消支付，订单仍为待支付。")
            return redirect("payments:order_detail", number=payment.order.number)
        params = get_provider("sandbox").gateway_params(payment=payment)
        with transaction.atomic():
            # The gateway notifies our server asynchronously, and separately sends the browser back.
            transaction.on_commit(lambda: deliver_sandbox_notification.delay(params))
        return redirect(reverse("payments:provider_return", args=["sandbox"]) + "?" + urlencode(params))
    return render(request, "payments/sandbox_gateway.html", {"payment": payment, "order": payment.order})


@csrf_exempt
@require_POST
def provider_notify(request, provider):
    """The provider's server-to-server notification. Signed; handled exactly once."""
    try:
        handler = get_provider(provider)
    except LookupError:
        raise Http404("未启用的支付方式") from None
    log = services.payment_notification_receive(provider_code=handler.code, params=request.POST.dict(),
                                                source="notify")
    body, status = handler.notification_response(accepted=log.outcome != NotificationLog.Outcome.REFUSED)
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def provider_return(request, provider):
    """The browser comes back from the gateway with signed params; they may confirm the payment too."""
    try:
        get_provider(provider)
    except LookupError:
        raise Http404("未启用的支付方式") from None
    log = services.payment_notification_receive(provider_code=provider, params=request.GET.dict(), source="return")
    if log.outcome == NotificationLog.Outcome.REFUSED:
        messages.error(request, f"支付结果校验未通过（{log.reason}），如已付款请联系秘书处。")
    else:
        messages.success(request, "支付成功，报名已完成，进入资格审查。")
    if log.order_number and request.user.is_authenticated and \
            selectors.order_of_applicant(user=request.user, number=log.order_number):
        return redirect("payments:order_detail", number=log.order_number)
    return redirect("payments:my_orders")


# --- staff ------------------------------------------------------------------------------------------------

@login_required
def staff_orders(request):
    require(request, "payments.manage_orders")
    # The form only validates, and looks the visible campaigns up only when one is asked for; the template prints
    # the options from `listing.campaigns` itself (a widget's per-option templates cost more than the whole table).
    campaigns = (selectors.campaigns_visible_to_staff(user=request.user).select_related(None).only("pk", "title")
                 if request.GET.get("campaign") else Campaign.objects.none())
    form = OrderFilterForm(request.GET or None, campaigns=campaigns)
    campaign_id = status = None
    if form.is_valid():
        campaign_id = form.cleaned_data["campaign"].pk if form.cleaned_data["campaign"] else None
        status = form.cleaned_data["status"] or None
    if request.GET.get("export") == "csv":
        # Streamed row by row: a hundred thousand orders never sit in memory nor hold the worker past its timeout.
        return csv_streaming_response(order_export_source(user=request.user,
                                                          params={"campaign_id": campaign_id, "status": status}))
    listing = selectors.staff_order_list(user=request.user, campaign_id=campaign_id, status=status,
                                         page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(request, "payments/staff_orders.html", {
        "campaign_id": campaign_id or "", "status": status or "", "form": form, "statuses": Order.Status.choices,
        "campaigns": listing.campaigns, "page": listing.page, "totals": listing.totals, "query": query.urlencode(),
        "totals_version": listing.totals_version, "totals_max_age": selectors.ORDER_TOTALS_MAX_AGE})


@login_required
@require_POST
def staff_orders_export(request):
    """Queue the XLSX export of the filtered orders and show its job page (progress, then the download)."""
    require(request, "payments.manage_orders")
    form = OrderFilterForm(request.POST, campaigns=selectors.campaigns_visible_to_staff(user=request.user))
    params = {"campaign_id": None, "status": None}
    if form.is_valid():
        params = {"campaign_id": form.cleaned_data["campaign"].pk if form.cleaned_data["campaign"] else None,
                  "status": form.cleaned_data["status"] or None}
    job = export_job_create(kind=ORDER_EXPORT, params=params, actor=request.user)
    return redirect("export_job", pk=job.pk)


@login_required
def staff_order_detail(request, number):
    require(request, "payments.manage_orders")
    order = get_object_or_404(selectors.orders_for_staff(user=request.user)
                              .select_related("campaign", "applicant", "application"), number=number)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm_transfer":
                form = BankTransferConfirmForm(request.POST)
                if form.is_valid():
                    services.bank_transfer_confirm(order=order, actor=request.user,
                                                   reference=form.cleaned_data["reference"])
                    messages.success(request, "已确认银行转账收款。")
                else:
                    messages.error(request, "请填写银行交易流水号。")
            elif action == "invoice_issued":
                form = InvoiceIssuedForm(request.POST)
                form.is_valid()
                services.order_invoice_mark_issued(order=order, actor=request.user,
                                                   invoice_number=form.cleaned_data.get("invoice_number", ""))
                messages.success(request, "已标记为已开票。")
            elif action == "refund_done":
                form = RefundDoneForm(request.POST)
                if form.is_valid():
                    refund = get_object_or_404(Refund, pk=form.cleaned_data["refund_id"], order=order)
                    services.refund_complete_manually(refund=refund, actor=request.user,
                                                      reference=form.cleaned_data["reference"])
                    messages.success(request, "已登记线下退款完成。")
                else:
                    messages.error(request, "请填写退款银行流水号。")
            elif action == "admin_refund":
                form = RefundReasonForm(request.POST)
                if form.is_valid():
                    services.refund_by_administrator(order=order, actor=request.user,
                                                     reason=form.cleaned_data["reason"])
                    messages.success(request, "已办理管理员退款。")
                else:
                    messages.error(request, "管理员退款必须填写原因。")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("payments:staff_order_detail", number=order.number)
    return render(request, "payments/staff_order_detail.html", {
        "order": order, "payments": order.payments.all(), "refunds": order.refunds.select_related("actor"),
        "logs": NotificationLog.objects.filter(order_number=order.number)[:20],
        "trail": audit_trail(subject=order),
        "late_payments": NotificationLog.objects.filter(order_number=order.number,
                                                        outcome=NotificationLog.Outcome.REFUNDED),
        "transfer_form": BankTransferConfirmForm(), "invoice_form": InvoiceIssuedForm(),
        "refund_form": RefundReasonForm()})
