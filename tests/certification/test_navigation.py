"""The header menu: rendered once per kind of reader and kept (issue 13), never one reader's menu for another."""

import pytest

from certification.models import Role
from certification.templatetags import nav_tags

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_menus():
    nav_tags._rendered.clear()
    yield
    nav_tags._rendered.clear()


def _page(client, user):
    client.force_login(user)
    return client.get("/").content.decode()


def test_each_reader_gets_the_menu_of_their_own_role_after_others_were_kept(client, seeded, make_user):
    secretariat = make_user(Role.PROVINCIAL_SECRETARIAT, "江苏省青少年科技教育协会")
    applicant = make_user()
    admin = make_user(Role.ADMINISTRATOR, is_staff=True)

    staff_page = _page(client, secretariat)
    assert 'href="/review/eligibility/"' in staff_page and "我的订单" not in staff_page
    applicant_page = _page(client, applicant)
    assert "我的订单" in applicant_page and "/review/eligibility/" not in applicant_page
    assert "管理后台" not in applicant_page and "管理后台" in _page(client, admin)
    client.logout()
    anonymous = client.get("/").content.decode()
    assert "我的认证" not in anonymous and "/review/eligibility/" not in anonymous
    # One rendering per variant, then reused: the secretariat's second page comes from the kept copy.
    kept = len(nav_tags._rendered)
    assert kept == 4  # secretariat, applicant, administrator, anonymous
    assert 'href="/review/eligibility/"' in _page(client, secretariat) and len(nav_tags._rendered) == kept


def test_the_menu_follows_the_chosen_language(client, seeded, make_user):
    secretariat = make_user(Role.PROVINCIAL_SECRETARIAT, "江苏省青少年科技教育协会")
    assert "审查与评审" in _page(client, secretariat)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Eligibility review" in english and "Secretariat workbench" in english and "审查与评审" not in english


def test_every_menu_label_has_an_english_translation():
    """English covers the menus (issue 7): a label added without its translation would show Chinese there."""
    import re
    from pathlib import Path

    from django.conf import settings

    po = (Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po").read_text()
    translated = set(re.findall(r'^msgid "(.+)"$', po, flags=re.M))
    for template in ("templates/base.html", "templates/certification/includes/site_nav.html"):
        labels = re.findall(r'{% translate ["\'](.+?)["\'] %}', (Path(settings.BASE_DIR) / template).read_text())
        assert labels and not set(labels) - translated, (template, set(labels) - translated)
