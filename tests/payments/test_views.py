"""Pages: 我的订单 and the order page for the applicant only, the receipt PDF, the staff list and export."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certification.models import Role
from payments.models import Order
from payments.services import order_invoice_mark_issued


@pytest.fixture
def paid_order(open_campaign, applicant, submit, pay):
    _app, order = submit(applicant, open_campaign)
    pay(order)
    return order


def test_my_orders_shows_own_orders_with_invoice_details(client, open_campaign, applicant, submit, make_user):
    _app, order = submit(applicant, open_campaign)
    _other_app, other = submit(make_user(), open_campaign)
    client.force_login(applicant)
    page = client.get(reverse("payments:my_orders")).content.decode()
    assert order.number in page and other.number not in page
    for text in ("待支付", "电子普通发票", "未开", "¥500.00", "去支付"):
        assert text in page
    assert client.get(reverse("payments:order_detail", args=[other.number])).status_code == 404
    assert client.post(reverse("payments:order_pay", args=[other.number]), {"provider": "sandbox"}).status_code == 404


def test_receipt_pdf_for_paid_orders_only(client, paid_order, make_user):
    client.force_login(paid_order.applicant)
    response = client.get(reverse("payments:order_receipt", args=[paid_order.number]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "缴费收据" in text and paid_order.number in text and "500.00" in text
    client.force_login(make_user())
    assert client.get(reverse("payments:order_receipt", args=[paid_order.number])).status_code == 404


def test_bad_invoice_input_is_explained_and_kept(client, open_campaign, applicant, submit):
    _app, order = submit(applicant, open_campaign)
    client.force_login(applicant)
    url = reverse("payments:order_invoice", args=[order.number])
    data = {"invoice-title_type": "company", "invoice-title": "南京市某某中学",
            "invoice-taxpayer_id": "91350100M000100Y44", "invoice-email": "fp@example.cn"}
    page = client.post(url, data).content.decode()
    assert "校验位不正确" in page and "南京市某某中学" in page
    data["invoice-taxpayer_id"] = "91350100M000100Y43"
    assert client.post(url, data).status_code == 302
    order.refresh_from_db()
    assert (order.invoice_title_type, order.invoice_taxpayer_id) == ("company", "91350100M000100Y43")


def test_issued_invoice_refuses_edits_with_a_message(client, paid_order, make_user):
    order_invoice_mark_issued(order=paid_order, actor=make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True))
    client.force_login(paid_order.applicant)
    response = client.post(reverse("payments:order_invoice", args=[paid_order.number]),
                           {"invoice-title_type": "personal", "invoice-title": "改名", "invoice-email": "x@example.cn"})
    assert "发票已开具" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.invoice_title != "改名"


def test_member_number_on_the_order_page(client, open_campaign, make_user, submit):
    from payments.models import MemberRecord

    MemberRecord.objects.create(number="M9", name="周八", valid_until="2099-12-01")
    user = make_user(full_name="周八")
    _app, order = submit(user, open_campaign)
    client.force_login(user)
    page = client.post(reverse("payments:order_member", args=[order.number]), {"member_number": "M9"},
                       follow=True).content.decode()
    assert "会员价：¥350.00（七折）" in page and "¥350.00" in page


def test_staff_list_scoped_filtered_totalled_and_flat_in_queries(client, seeded, open_campaign, make_user, submit,
                                                                pay, jiangsu_secretariat,
                                                                django_assert_max_num_queries,
                                                                django_capture_on_commit_callbacks):
    national = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    _a, first = submit(make_user(), open_campaign)
    pay(first)
    client.force_login(national)
    url = reverse("payments:staff_orders")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        submit(make_user(), open_campaign)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert first.number in page and "500.00" in page
    filtered = client.get(url, {"status": "paid"}).content.decode()
    assert filtered.count("<a href=\"/orders/manage/KJ") == 1
    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("订单号,认证活动") and first.number in csv and len(csv.splitlines()) == 17
    # XLSX is built by a background job (eager here); its page links the finished file.
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(reverse("payments:staff_orders_export"), {"status": ""})
    job_page = client.get(queued["Location"])
    assert "已完成" in job_page.content.decode()
    xlsx = client.get(reverse("export_download", args=[job_page.context["job"].pk]))
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    # Jiangsu's secretariat does not see the national campaign's orders.
    client.force_login(jiangsu_secretariat)
    assert first.number not in client.get(url).content.decode()
    assert client.get(reverse("payments:staff_order_detail", args=[first.number])).status_code == 404
    client.force_login(first.applicant)
    assert client.get(url).status_code == 403


def test_staff_confirm_bank_transfer_from_the_order_page(client, open_campaign, applicant, submit, make_user):
    _app, order = submit(applicant, open_campaign)
    client.force_login(applicant)
    client.post(reverse("payments:order_pay", args=[order.number]), {"provider": "bank_transfer"})
    staff = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    client.force_login(staff)
    client.post(reverse("payments:staff_order_detail", args=[order.number]),
                {"action": "confirm_transfer", "reference": "BOC-77"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payments.get(state="confirmed").provider_txn_id == "BOC-77"


def test_admin_offers_no_delete(admin_client, paid_order):
    response = admin_client.get(reverse("admin:payments_order_changelist"))
    assert response.status_code == 200 and "delete_selected" not in response.content.decode()
    assert admin_client.get(reverse("admin:payments_order_delete", args=[paid_order.pk])).status_code == 403


def test_staff_list_charts_paid_share_and_money_in_proportion(client, open_campaign, make_user, submit, pay,
                                                              django_assert_max_num_queries):
    import re

    from payments.services import refund_by_administrator

    admin = make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    orders = [submit(make_user(), open_campaign)[1] for _ in range(4)]
    for order in orders[:3]:
        pay(order)
    refund_by_administrator(order=orders[2], actor=admin, reason="重复缴费")
    client.force_login(admin)
    url = reverse("payments:staff_orders")
    with django_assert_max_num_queries(15) as few:
        page = client.get(url).content.decode()
    chart = page.split('id="totals-chart"', 1)[1].split("</figure>", 1)[0]
    widths = dict(re.findall(r'class="bar (\w+)" width="(\d+)"', chart))
    # 2 of 4 orders paid; ¥1000.00 received is the largest amount, the ¥500.00 refunded half of it.
    assert widths == {"paid": "50", "received": "100", "refunded": "50"}
    for label in ("2 / 4 单（50%）", "¥1000.00", "¥500.00"):
        assert label in chart
    for _ in range(6):
        pay(submit(make_user(), open_campaign)[1])
    with django_assert_max_num_queries(len(few.captured_queries)):
        chart = client.get(url).content.decode().split('id="totals-chart"', 1)[1]
    # Now 8 of 10 paid, ¥4000.00 received against ¥500.00 refunded.
    assert 'class="bar paid" width="80"' in chart and 'class="bar refunded" width="13"' in chart


def test_staff_order_page_shows_the_history_by_label_with_the_channel_in_the_reason(client, open_campaign,
                                                                                    applicant, submit, make_user):
    from certification.models import AuditEntry

    _app, order = submit(applicant, open_campaign)
    staff = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    client.force_login(staff)
    client.post(reverse("payments:staff_order_detail", args=[order.number]),
                {"action": "confirm_transfer", "reference": "BOC-78"})
    paid = AuditEntry.objects.for_object(order).get(action="payments.order.paid")
    assert paid.reason == "银行转账人工确认，交易号 BOC-78"
    page = client.get(reverse("payments:staff_order_detail", args=[order.number])).content.decode()
    history = page[page.index('id="history"'):]
    assert "生成订单" in history and "支付成功" in history and "银行转账人工确认，交易号 BOC-78" in history
    assert "payments.order" not in history


def test_receipt_fits_one_a5_page(client, open_campaign, applicant, submit, pay):
    """Issue 7 item 12: the last line used to spill onto a second, otherwise empty A5 page."""
    from payments.models import MemberRecord

    MemberRecord.objects.create(number="M2023001", name=applicant.full_name, valid_until="2099-12-01")
    _app, order = submit(applicant, open_campaign, member_number="M2023001", member_name=applicant.full_name)
    Order.objects.filter(pk=order.pk).update(invoice_title="南京市玄武区青少年科技教育活动中心（南京市玄武区少年宫）欧阳思远")
    pay(order)
    client.force_login(applicant)
    reader = PdfReader(io.BytesIO(client.get(reverse("payments:order_receipt", args=[order.number])).content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 420)  # A5 landscape in points
    text = reader.pages[0].extract_text()
    assert "缴费收据" in text and "仅作缴费凭证" in text.replace("\n", "")
