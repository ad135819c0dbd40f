"""engines/ must stay pure Python: numbers in, numbers out, no Django."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINES = Path(__file__).resolve().parents[2] / "engines"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_engine_module_imports_django_or_the_apps():
    offenders = {}
    for path in ENGINES.rglob("*.py"):
        if "tests" in path.parts:
            continue
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] == "django"
            or (name.startswith("salesalign.") and not name.startswith("salesalign.engines"))
        }
        if bad:
            offenders[str(path.relative_to(ENGINES))] = sorted(bad)
    assert offenders == {}


def test_the_purity_check_would_catch_a_django_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from django.db import models\nimport salesalign.core.models\n")
    assert {"django.db", "salesalign.core.models"} <= imported_modules(sample)
