"""Issue 9.10: every page carries a Content-Security-Policy, and the browser tests would see a violation."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded_live(live_server, transactional_db):
    from certification.seed import load_seed_campaigns

    load_seed_campaigns()
    return live_server


def test_the_policy_is_sent_and_an_inline_script_is_blocked_and_reported(seeded_live, page, request):
    response = page.goto(seeded_live.url + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.__ran = true;';
        document.body.appendChild(s);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None  # blocked
    assert "script-src" in page.evaluate("window.__cspViolations[0]")
    console = request.getfixturevalue("_fail_on_csp_violations")
    assert any("Content Security Policy" in line for line in console)
    # Provoked on purpose: empty both records so the autouse check does not fail this test.
    console.clear()
    page.evaluate("window.__cspViolations = []")


@pytest.mark.django_db
def test_every_kind_of_page_has_the_header(client, seeded):
    for url in ("/", "/accounts/login/", "/accounts/signup/"):
        assert "default-src 'self'" in client.get(url)["Content-Security-Policy"]
