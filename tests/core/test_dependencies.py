"""pyproject.toml tells the truth: every package certify imports is declared, every declared
package is used, and the installed set is consistent (`pip check`)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.one_database  # reads files, not the database

# Declared, used, but never imported by name: why each one is there.
USED_WITHOUT_IMPORT = {
    "psycopg": "SQLAlchemy loads the PostgreSQL driver named by the database URL",
    "gunicorn": "serves wsgi.py in production, configured by gunicorn.conf.py",
    "redis": "Celery's broker and the rate limiter's shared storage, chosen by URL",
    "apispec": "flask-smorest builds the OpenAPI document with it; certify pins the version",
}


def declared(group: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["optional-dependencies"][group] if group else project["dependencies"]
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def imported_by(folder: str) -> dict[str, set[str]]:
    """Distribution -> the files of ``folder`` that import it (standard library left out)."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in {"certify", "tests"}:
                    continue
                for distribution in providers.get(top, [top]):
                    found.setdefault(canonicalize_name(distribution), set()).add(
                        str(path.relative_to(ROOT)))
    return found


def test_every_package_certify_imports_is_declared():
    undeclared = {name: sorted(files) for name, files in imported_by("certify").items()
                  if name not in declared()}
    assert undeclared == {}


def test_every_declared_package_is_used():
    unused = declared() - set(imported_by("certify")) - set(USED_WITHOUT_IMPORT)
    assert unused == set()


def test_the_tests_import_only_declared_packages():
    available = declared() | declared("test")
    undeclared = {name: sorted(files) for name, files in imported_by("tests").items()
                  if name not in available}
    assert undeclared == {}


def test_the_certify_package_does_not_import_the_tests():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "certify").rglob("*.py")
                 if any(isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests")
                        or isinstance(node, ast.Import)
                        and any(a.name.startswith("tests") for a in node.names)
                        for node in ast.walk(ast.parse(path.read_text())))]
    assert offenders == []


def test_the_installed_packages_agree_with_each_other():
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
