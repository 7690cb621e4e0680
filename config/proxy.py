"""Who the client is when a reverse proxy (nginx, see docker-compose.yml) stands in front of gunicorn.

Headers a proxy sets (`X-Forwarded-Proto`, `X-Forwarded-For`, `X-Real-IP`) are believed only from the proxy's
own address (`TRUSTED_PROXY_IPS`); from anyone else they are removed before Django looks at them, so a
client talking to gunicorn directly cannot claim HTTPS (SECURE_PROXY_SSL_HEADER) or another address (sign-in
lockout and throttling count per address).
"""

import ipaddress

from django.conf import settings

PROXY_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_HOST",
                 "HTTP_X_FORWARDED_PORT")


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in getattr(settings, "TRUSTED_PROXY_IPS", ()))


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: drop proxy headers that did not come from a trusted proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _trusted(request.META.get("REMOTE_ADDR", "")):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def client_ip(request) -> str:
    """The client's address: nginx's X-Real-IP when it came through the trusted proxy, else the peer."""
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or ""
