from .models import Role


def navigation(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {"nav_role": role, "Role": Role}
