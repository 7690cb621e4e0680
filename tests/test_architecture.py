"""The dependency direction of ../shared/ARCHITECTURE.md is checked by import-linter in `make test`.

These tests run the real `lint-imports` with the project's own contract against a copy of the apps: the
copy as it is must pass, and the same copy with one upward import added must fail, naming the import.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ["certification", "applicants", "payments", "reviews", "certificates"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_apps(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for app in APPS:
        shutil.copytree(BASE_DIR / app, root / app, ignore=shutil.ignore_patterns(
            "__pycache__", "templates", "static", "locale", "*.html", "*.txt"))
    shutil.copy(BASE_DIR / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, capture_output=True, text=True,
                          timeout=120, env={"PATH": str(LINT_IMPORTS.parent), "PYTHONDONTWRITEBYTECODE": "1"})


def test_make_test_checks_the_contract_before_the_suite():
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", (BASE_DIR / "Makefile").read_text(), re.M).group(1)
    lines = [line.strip() for line in recipe.splitlines()]
    lint = next(i for i, line in enumerate(lines) if "lint-imports" in line)
    pytest_line = next(i for i, line in enumerate(lines) if "pytest" in line)
    assert lint < pytest_line


def test_the_code_as_it_stands_keeps_the_contract(tmp_path):
    result = _lint(_copy_apps(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "code", "upward"), [
    # The kernel importing an app above it.
    ("certification/sneaky.py", "from applicants.models import Application\n", "certification.sneaky -> applicants"),
    # Applicants calling payments, even hidden inside a function.
    ("applicants/sneaky.py", "def f():\n    from payments.services import order_settle_withdrawal\n",
     "applicants.sneaky -> payments"),
    # Siblings: payments and reviews never import each other.
    ("payments/sneaky.py", "import reviews.models\n", "payments.sneaky -> reviews"),
    # Reviews reaching up to certificates.
    ("reviews/sneaky.py", "from certificates import models\n", "reviews.sneaky -> certificates"),
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, code, upward):
    root = _copy_apps(tmp_path)
    (root / module).write_text(code)
    result = _lint(root)
    assert result.returncode != 0
    assert "0 kept, 1 broken" in result.stdout
    assert upward in result.stdout.replace("\n", " "), result.stdout
