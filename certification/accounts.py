"""Applicant sign-up and e-mail verification: the services, then the thin views over them.

An applicant may sign in right after signing up, but may apply only once the e-mail address is verified
(`predicates.is_verified_applicant`). The verification link carries a signed, time-limited token naming the
user and the address, so a link stops working when the address changes.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .account_forms import SignUpForm
from .models import Notification, Role, User
from .notifications import notify_user
from .throttle import SIGNUP_LIMITS, VERIFY_RESEND_LIMITS, throttled
from .workflow import audit, transition

VERIFY_SALT = "certification.accounts.verify-email"
VERIFY_MAX_AGE = dt.timedelta(days=3)
RESEND_INTERVAL = dt.timedelta(minutes=1)
EMAIL_VERIFICATION = {False: {True}, True: set()}


# ------------------------------------------------------------------------------------------- services


def email_verification_token(*, user: User) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign_object({"u": user.pk, "e": user.email.lower()})


def email_verification_send(*, user: User) -> Notification:
    """Queue the verification e-mail; sent by the outbox after the transaction commits."""
    token = email_verification_token(user=user)
    return notify_user(user=user, template="verify_email", context={
        "verify_path": reverse("verify_email", kwargs={"token": token}),
        "valid_days": VERIFY_MAX_AGE.days,
    })


def applicant_register(*, email: str, password: str, full_name: str, mobile: str) -> User | None:
    """Create an applicant account (not yet verified) and mail the verification link.

    An address that already has an account gets no second one and no error a stranger could read: its owner is
    mailed instead (someone tried to sign up with your address; sign in or reset the password). Returns the new
    user, or None when the address was taken; the caller answers both the same way.
    """
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name, mobile=mobile,
                role=Role.APPLICANT)
    user.set_password(password)  # hashed either way: the answer takes as long whether the address is taken
    existing = User.objects.filter(email__iexact=user.email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user.full_clean()
                user.save()
                audit(subject=user, action="certification.user.registered", actor=user)
                email_verification_send(user=user)
            return user
        except IntegrityError:
            # Two sign-ups with the same address at once: the unique constraint decides.
            existing = User.objects.filter(email__iexact=user.email).first()
    if existing is not None and existing.is_active:
        with transaction.atomic():
            notify_user(user=existing, template="signup_existing_account", context={
                "login_path": reverse("login"), "reset_path": reverse("password_reset")})
    return None


def email_verification_resend(*, user: User, now: dt.datetime | None = None) -> Notification:
    if user.email_verified:
        raise ValidationError("您的邮箱已验证，无需重新发送。", code="already_verified")
    now = now or timezone.now()
    recent = Notification.objects.filter(recipient=user, template="verify_email",
                                         created_at__gt=now - RESEND_INTERVAL).exists()
    if recent:
        raise ValidationError("验证邮件刚刚已发送，请1分钟后再试。", code="too_soon")
    return email_verification_send(user=user)


def email_verify(*, token: str) -> User:
    """Mark the address named by `token` as verified. A second use of a valid link changes nothing."""
    invalid = ValidationError("验证链接无效，可能已被修改或不完整。请登录后重新发送验证邮件。", code="invalid")
    try:
        data = signing.TimestampSigner(salt=VERIFY_SALT).unsign_object(token, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(f"验证链接已超过{VERIFY_MAX_AGE.days}天有效期。请登录后重新发送验证邮件。",
                              code="expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first() if isinstance(data, dict) else None
    if user is None or user.email.lower() != data.get("e"):
        raise invalid
    if user.email_verified:
        return user
    return transition(instance=user, to=True, field="email_verified", allowed=EMAIL_VERIFICATION, actor=user,
                      action="certification.user.email_verified")


# ---------------------------------------------------------------------------------------------- views


@require_http_methods(["GET", "POST"])
@throttled(*SIGNUP_LIMITS)
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applicant_register(email=data["email"], password=data["password1"], full_name=data["full_name"],
                               mobile=data["mobile"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same answer whether the address was new or already registered (its owner got a mail instead):
            # the sign-up form does not tell a stranger who has an account here.
            request.session["signup_email"] = data["email"]
            return redirect("signup_done")
    return render(request, "registration/signup.html", {"form": form})


def signup_done(request):
    return render(request, "registration/signup_done.html", {"email": request.session.get("signup_email", "")})


@require_http_methods(["GET", "POST"])
def verify_email(request, token):
    """GET shows a confirmation button, POST verifies: mail scanners that prefetch links change nothing."""
    if request.method == "POST":
        try:
            user = email_verify(token=token)
        except ValidationError as error:
            return render(request, "registration/verify_failed.html", {"error": error.messages[0]}, status=400)
        return render(request, "registration/verify_done.html", {"verified_user": user})
    return render(request, "registration/verify_confirm.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
@throttled(*VERIFY_RESEND_LIMITS)
def verify_email_resend(request):
    """The "please check your mail" page, with a button to send the link again."""
    if request.method == "POST":
        try:
            email_verification_resend(user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"验证邮件已重新发送至 {request.user.email}。")
        return redirect("verify_email_resend")
    return render(request, "registration/verify_sent.html")
