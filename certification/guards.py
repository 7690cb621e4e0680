"""The one guard views use: a `rules` permission, checked on an object when there is one.

`require(request, perm, obj)` raises PermissionDenied (403); `permission_required(perm)` does the same for a
view without an object and sends anonymous visitors to the login page first. Objects a user may not even know
about are looked up through an owner-filtered selector first (404), then guarded here.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def permission_required(perm: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            require(request, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
