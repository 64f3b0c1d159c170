"""The tests mirror the code: every runtime module X/Y.py has its test module tests/X/test_Y.py
(assistant/*.py at the top of tests/; training/ and evaluation/ keep their own test modules)."""
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
NOT_RUNTIME = ("__init__.py", "__main__.py")


def runtime_modules() -> list[Path]:
    found = [p for p in (ROOT / "assistant").rglob("*.py") if p.parent.name not in ("training", "evaluation")]
    found += (ROOT / "tools").glob("*.py")
    return sorted(p.relative_to(ROOT) for p in found if p.name not in NOT_RUNTIME and "weights" not in p.parts)


def expected_test_module(module: Path) -> Path:
    package = module.parent.parts[1:] if module.parts[0] == "assistant" else module.parent.parts
    return Path("tests", *package, f"test_{module.name}")


def test_every_runtime_module_has_its_test_module():
    modules = runtime_modules()
    assert len(modules) > 40 and Path("assistant/controller.py") in modules and Path("tools/base.py") in modules
    assert expected_test_module(Path("assistant/recommender/base.py")) == Path("tests/recommender/test_base.py")
    missing = [f"{m} -> {expected_test_module(m)}" for m in modules if not (ROOT / expected_test_module(m)).is_file()]
    assert missing == []


def test_every_test_folder_is_a_package():
    folders = {p.parent for p in (ROOT / "tests").rglob("test_*.py")}
    assert folders and all((folder / "__init__.py").is_file() for folder in folders)
