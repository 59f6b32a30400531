"""The layers hold: explorer.core is pure computation (no Qt, no window, no CLI), the window never reaches into
the command line. Read from the source, so a lazy import inside a function counts as much as a top-level one."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explorer"
QT = ("PySide6", "pyqtgraph", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module path imports, relative imports resolved against its package."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE.parent)} imports {name}"
            for path in sorted((PACKAGE / folder).rglob("*.py"))
            for name in sorted(imported_modules(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_core_never_imports_qt_the_window_or_the_command_line():
    assert offending("core", (*QT, "explorer.ui", "explorer.cli")) == []


def test_the_window_never_imports_the_command_line():
    assert offending("ui", ("explorer.cli",)) == []


def test_the_checker_sees_relative_imports():
    module = PACKAGE / "core" / "numeric" / "finite_difference.py"
    names = imported_modules(module)
    assert "explorer.core.limits" in names  # from ..limits import ...


@pytest.mark.parametrize("module", ["explorer.core.derive", "explorer.cli"])
def test_importing_the_core_and_the_command_line_loads_no_qt(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in {QT!r}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_package_is_installed():
    """pyproject.toml lists the packages one by one (resources/ installs as explorer.resources): a new
    package missing there works from the checkout and is absent from an installed copy."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(PACKAGE.parent).parts) for init in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
