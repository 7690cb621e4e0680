"""403, 404 and 500 with DEBUG off: the site's layout, a Chinese explanation and a way back (issue 7 item 7)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _is_site_page(page: str) -> bool:
    return '<html lang="zh-CN">' in page and 'class="site-header"' in page and "css/site.css" in page


def test_404_is_chinese_in_the_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and _is_site_page(page)
    assert "页面不存在" in page and 'href="/"' in page
    assert "Not Found" not in page and "The requested resource" not in page


def test_403_for_a_secretariat_on_my_certifications(client, settings, jiangsu_secretariat):
    settings.DEBUG = False
    client.force_login(jiangsu_secretariat)
    response = client.get("/me/")
    page = response.content.decode()
    assert response.status_code == 403 and _is_site_page(page)
    assert "无权访问此页面" in page and "只供申请人使用" in page
    assert 'href="/home/"' in page and "回到我的首页" in page
    assert "403 Forbidden" not in page


def test_500_is_chinese_in_the_site_layout(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    response = client.get("/__boom__/")
    page = response.content.decode()
    assert response.status_code == 500 and _is_site_page(page)
    assert "服务器出错" in page and 'href="/"' in page
    assert "Server Error" not in page


def test_a_field_error_is_announced_next_to_its_field(client, applicant):
    """Issue 7 item 14: the invalid input says so (aria-invalid) and points at its own error message, which is
    rendered right after it; help text is tied the same way."""
    import re

    client.force_login(applicant)
    page = client.post("/me/profile/", {"full_name": "张三", "id_number": "320102198001011230",
                                        "category": "school_teacher"}).content.decode()
    field = re.search(r'<input[^>]*name="id_number"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_id_number_error"' in field
    after = page[page.index(field) + len(field):][:400]
    assert after.startswith('<ul class="errorlist" id="id_id_number_error">') and "校验位" in after
    statement = re.search(r'<textarea[^>]*name="statement"[^>]*>', page).group(0)
    assert 'aria-describedby="id_statement_helptext"' in statement and 'id="id_statement_helptext"' in page
