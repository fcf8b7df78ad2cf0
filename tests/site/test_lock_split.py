"""The two locks: requirements.lock (production) carries no test or lint tool, and
requirements-dev.lock (make run, make test, CI) pins every runtime package exactly as it does."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ["pytest", "playwright", "ruff", "hypothesis", "pytest-django", "coverage", "import-linter"]


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(name):
    """``{package: (version, {hashes})}`` from a ``uv pip compile --generate-hashes`` file."""
    pins = {}
    package = None
    for line in (ROOT / name).read_text().splitlines():
        if match := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line):
            package = normalize(match.group(1))
            assert package not in pins, f"{package} pinned twice in {name}"
            pins[package] = (match.group(2), set())
        elif match := re.match(r"\s+--hash=(sha256:[0-9a-f]{64})", line):
            pins[package][1].add(match.group(1))
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{name}: a line this test cannot read: {line!r}")
    return pins


@pytest.fixture(scope="module")
def runtime():
    return read_lock("requirements.lock")


@pytest.fixture(scope="module")
def dev():
    return read_lock("requirements-dev.lock")


def test_the_runtime_lock_has_the_site_and_no_test_or_lint_tool(runtime):
    assert {"django", "django-csp", "granian", "psycopg", "tqdm"} <= runtime.keys()
    assert sorted(set(DEV_ONLY) & runtime.keys()) == []


def test_the_dev_lock_has_the_tools(dev):
    assert set(DEV_ONLY) - {"coverage"} <= dev.keys()


def test_every_runtime_pin_is_in_the_dev_lock_with_the_same_version_and_hashes(runtime, dev):
    for package, (version, hashes) in runtime.items():
        assert hashes, f"{package} has no hash in requirements.lock"
        assert dev.get(package) == (version, hashes), package
