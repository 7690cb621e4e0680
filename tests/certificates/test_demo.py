"""`make run` shows an open notice and verifiable certificates (load_publication_demo after load_demo)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from certificates.models import Certificate, PublicNotice

pytestmark = pytest.mark.django_db


def test_publication_demo_has_an_open_notice_and_verifiable_certificates(client):
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_publication_demo", stdout=out)
    call_command("load_publication_demo", stdout=io.StringIO())  # idempotent
    notice = PublicNotice.objects.get(campaign__slug="demo-junior")
    assert notice.status == PublicNotice.Status.OPEN and notice.entries.count() == 3
    page = client.get(reverse("certificates:notice_detail", args=["demo-junior"])).content.decode()
    assert "陈思远" in page and "投诉" in page
    certs = Certificate.objects.filter(campaign__slug="demo-senior")
    assert certs.count() == 2 and all(c.is_ready for c in certs)
    mine = certs.get(holder__email="applicant@demo.kjfdy.cn")
    assert mine.number in out.getvalue()
    assert "证书有效" in client.get(reverse("certificates:verify_link", args=[mine.verify_token])).content.decode()


def _counts():
    from applicants.models import Application
    from certification.models import AuditEntry, User
    from payments.models import Order, Payment
    from reviews.exam_models import ExamPaper, ExamPaperItem, ExamSession, QuestionItem

    return {m.__name__: m.objects.count() for m in (User, Application, Order, Payment, ExamSession, QuestionItem,
                                                      ExamPaper, ExamPaperItem, AuditEntry)}


def test_review_demo_orders_are_paid_by_a_confirmed_transfer_like_their_applications(client):
    from applicants.models import Application
    from payments.models import Order, Payment

    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_review_demo", stdout=out)
    apps = Application.objects.filter(applicant__email__startswith="review-demo")
    assert apps.count() == 4
    assert all(a.status == Application.Status.UNDER_REVIEW and a.paid_at for a in apps)
    for order in Order.objects.filter(application__in=apps).select_related("application"):
        assert order.status == Order.Status.PAID and order.amount > 0, order
        payment = order.payments.get()
        assert payment.state == Payment.State.CONFIRMED and payment.provider == "bank_transfer"
        assert payment.confirmed_by.email == "national@demo.kjfdy.cn" and order.paid_at == payment.confirmed_at
    # The applicant's own order list agrees: nothing left to pay.
    client.force_login(apps[0].applicant)
    page = client.get(reverse("payments:my_orders")).content.decode()
    assert "已支付" in page and "去支付" not in page


def test_every_demo_order_agrees_with_its_application_after_make_run():
    from applicants.models import Application
    from payments.models import Order

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_publication_demo", stdout=io.StringIO())
    call_command("load_review_demo", stdout=io.StringIO())
    orders = Order.objects.select_related("application")
    assert orders.count() >= 10
    for order in orders:
        paid_state = order.application.status not in (Application.Status.DRAFT, Application.Status.SUBMITTED)
        assert (order.status == Order.Status.PAID) == paid_state, (order, order.application.status)


def test_the_demo_exam_candidate_can_sit_the_exam_and_a_rerun_adds_nothing(client):
    from django.utils import timezone

    from certification.models import User
    from reviews.exam_models import ExamPaper, ExamSession, QuestionItem

    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_review_demo", stdout=out)
    session = ExamSession.objects.get(campaign__slug="demo-senior")
    assert session.is_online and session.starts_at <= timezone.now() < session.ends_at
    assert QuestionItem.objects.filter(code__startswith="DEMO-", level="senior").count() == 11
    paper = ExamPaper.objects.get(session=session)
    assert paper.application.applicant.email == "exam@demo.kjfdy.cn" and paper.items.count() == 6
    assert "exam@demo.kjfdy.cn" in out.getvalue() and "考试中心" in out.getvalue()
    before = _counts()
    call_command("load_review_demo", stdout=io.StringIO())
    assert _counts() == before

    client.force_login(User.objects.get(email="exam@demo.kjfdy.cn"))
    page = client.get(reverse("exam:centre")).content.decode()
    assert paper.candidate_number in page and "进入考试" in page
    assert client.get(reverse("exam:paper", args=[paper.pk])).status_code == 200
