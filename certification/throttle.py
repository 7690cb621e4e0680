"""Sign-in lockout (django-axes) and throttled mail-sending forms (django-ratelimit), with Chinese answers.

Sign-in: AXES_FAILURE_LIMIT failed attempts for one account, or from one address, within AXES_COOLOFF_TIME
lock that account / address out for AXES_COOLOFF_TIME (a further failure while locked starts it again); an
administrator unlocks at once by deleting the entries under 管理 → Axes → 访问尝试.
Forms that send mail to an address (password reset, verification resend, sign-up) are limited per address
and per account/e-mail with django-ratelimit's counters in the cache.
"""

import datetime as dt
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page's lockout answer, saying when to try again."""
    cooloff: dt.timedelta = settings.AXES_COOLOFF_TIME
    return render(request, "registration/locked_out.html", {
        "retry_at": timezone.localtime(timezone.now() + cooloff),
        "minutes": int(cooloff.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }, status=429)


def throttled(*rules: tuple[str, str, str]):
    """Limit a view's POSTs: each rule is (group, key, rate) for django-ratelimit, e.g.
    ("password_reset", "ip", "10/h"). Over any limit the view is not run and a 429 page says when to retry."""
    from django_ratelimit.core import is_ratelimited

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for group, key, rate in rules:
                    if is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True):
                        period = _period_minutes(rate)
                        return render(request, "registration/throttled.html", {
                            "minutes": period,
                            "retry_at": timezone.localtime(timezone.now() + dt.timedelta(minutes=period)),
                        }, status=429)
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def _period_minutes(rate: str) -> int:
    unit = rate.split("/")[1]
    return {"s": 1, "m": 1, "h": 60, "d": 24 * 60}.get(unit[-1], 60)


# (group, key, rate): per address, and per target account / e-mail.
PASSWORD_RESET_LIMITS = (("password_reset_ip", "ip", "10/h"), ("password_reset_email", "post:email", "3/h"))
VERIFY_RESEND_LIMITS = (("verify_resend_user", "user", "5/h"), ("verify_resend_ip", "ip", "20/h"))
SIGNUP_LIMITS = (("signup_ip", "ip", "10/h"), ("signup_email", "post:email", "3/h"))


def axes_username(request, credentials=None) -> str:
    """Accounts are e-mail addresses, compared case-insensitively: `Wang@X.cn` and `wang@x.cn` share a counter."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return (value or "").strip().lower()
