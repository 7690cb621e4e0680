# Browser tests build applicants the way the unit tests do.
import pytest

from tests.applicants.conftest import complete_profile  # noqa: F401

# Every page records Content-Security-Policy violations as the browser reports them (the DOM event, which
# also fires for report-only policies) besides the console's "Refused to …" errors.
_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(autouse=True)
def _fail_on_csp_violations(request):
    """A browser test fails if any page it opened broke the Content-Security-Policy (issue 9.10)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.context.add_init_script(_LISTEN)
    yield console  # a test that provokes a violation on purpose empties this and the page's list
    in_page = []
    try:
        if not page.is_closed():
            in_page = page.evaluate("window.__cspViolations || []")
    except Exception:  # noqa: BLE001 — a page mid-navigation has no window to ask; the console still counts
        pass
    assert not console and not in_page, f"Content-Security-Policy violations: {console + in_page}"
