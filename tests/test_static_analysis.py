"""Static analysis: bandit finds nothing unjustified in app/, ruff is clean, mypy passes on app/.

A finding is justified in place with ``# nosec BXXX - reason`` on its line; bandit then
leaves it out of the results, and this test checks that every such comment names the
check it silences and gives a reason.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
NOSEC = re.compile(r"#\s*nosec\b(.*)$")
JUSTIFIED = re.compile(r"^\s+B\d{3}(,\s*B\d{3})*\s+-\s+\S")


def _tool(name):
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else shutil.which(name)


def test_bandit_finds_no_unjustified_medium_or_high_issue():
    bandit = _tool("bandit")
    if bandit is None:
        pytest.skip("bandit is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [bandit, "-q", "-c", "pyproject.toml", "-r", "app", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stdout)
    serious = [f"{r['filename']}:{r['line_number']} {r['test_id']} ({r['issue_severity']}): {r['issue_text']}"
               for r in report["results"] if r["issue_severity"] in ("MEDIUM", "HIGH")]
    assert not serious, "bandit findings (fix, or justify with '# nosec BXXX - reason'):\n" + "\n".join(serious)
    assert not report["errors"], report["errors"]


def test_every_nosec_names_the_check_and_gives_a_reason():
    bare = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = NOSEC.search(line)
            if match and not JUSTIFIED.match(match.group(1)):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "'# nosec' needs the check id and a reason ('# nosec B105 - why'):\n" + "\n".join(bare)


def test_ruff_is_clean():
    ruff = _tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [ruff, "check", "--output-format", "concise", "app", "tests", "bench", "wsgi.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_error_in_app():
    """The settings are in pyproject.toml ([tool.mypy]): check_untyped_defs, third-party
    packages without types named one by one, and per-module exceptions only where named."""
    mypy = _tool("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [mypy, "--no-color-output"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
