import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM is safe to use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def seeded(db):
    """Provinces, authorities and the four seed campaigns of the notices."""
    from certification.seed import load_seed_campaigns

    return {c.slug: c for c in load_seed_campaigns()}


@pytest.fixture
def make_user(db):
    from certification.models import Authority, Role, User

    counter = {"n": 0}

    def make(role=Role.APPLICANT, authority_name=None, password="Pass-word-2026", **extra):
        counter["n"] += 1
        email = extra.pop("email", f"{role}{counter['n']}@example.cn")
        authority = Authority.objects.get(name=authority_name) if authority_name else None
        user = User.objects.create_user(email=email, password=password, role=role, authority=authority,
                                        full_name=extra.pop("full_name", f"用户{counter['n']}"), **extra)
        user.raw_password = password
        return user

    return make


@pytest.fixture
def jiangsu_secretariat(seeded, make_user):
    from certification.models import Role

    return make_user(Role.PROVINCIAL_SECRETARIAT, "江苏省青少年科技教育协会")


@pytest.fixture
def jilin_secretariat(seeded, make_user):
    from certification.models import Role

    return make_user(Role.PROVINCIAL_SECRETARIAT, "吉林省青少年科技教育协会")


@pytest.fixture
def applicant(db, make_user):
    return make_user()



@pytest.fixture(autouse=True)
def _fresh_order_totals():
    """Each test's order chart is computed from its own data, never from an earlier test's cache entry."""
    from payments.selectors import order_totals_invalidate

    order_totals_invalidate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters (django-ratelimit) and cached figures start empty in every test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path_factory):
    """Each test stores uploads and generated files in a folder of its own: a stored file left by another test (or
    by another run on the same machine) must never answer for this one."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
