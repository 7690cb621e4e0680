"""One demo account per role for `make run`. Passwords are printed; never use these outside a demo."""

from django.db import transaction

from .models import Authority, Role, User

DEMO_ACCOUNTS = [
    (Role.APPLICANT, "applicant@demo.kjfdy.cn", "演示申请人", "Demo-applicant-2026", None),
    (Role.PROVINCIAL_SECRETARIAT, "jiangsu@demo.kjfdy.cn", "江苏省秘书处（演示）", "Demo-jiangsu-2026",
     "江苏省青少年科技教育协会"),
    (Role.NATIONAL_SECRETARIAT, "national@demo.kjfdy.cn", "全国秘书处（演示）", "Demo-national-2026",
     "中国青少年科技教育工作者协会"),
    (Role.EXPERT, "expert@demo.kjfdy.cn", "演示专家", "Demo-expert-2026", None),
    (Role.SUPERVISOR, "supervisor@demo.kjfdy.cn", "监督委员会（演示）", "Demo-supervisor-2026", None),
    (Role.ADMINISTRATOR, "admin@demo.kjfdy.cn", "管理员（演示）", "Demo-admin-2026", None),
]


@transaction.atomic
def load_demo_accounts() -> list[tuple[str, str, str]]:
    out = []
    for role, email, name, password, authority_name in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(email=email)
        user.full_name = name
        user.role = role
        user.authority = Authority.objects.get(name=authority_name) if authority_name else None
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = role == Role.ADMINISTRATOR
        user.email_verified = True
        user.set_password(password)
        user.save()
        out.append((Role(role).label, email, password))
    return out
