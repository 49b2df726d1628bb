"""The package declares what it imports and ships what it reads (CI's .ci/installed proves the wheel runs)."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "tokcost").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"tokcost"}


def _declared() -> set[str]:
    project = PYPROJECT["project"]
    specs = [*project["dependencies"], *(s for extra in project["optional-dependencies"].values() for s in extra)]
    return {re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0].lower().replace("_", "-") for s in specs}


def test_every_imported_package_is_declared() -> None:
    distributions = metadata.packages_distributions()
    declared = _declared()
    missing = {}
    for module in sorted(_imported_modules()):
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        if not dists & declared:
            missing[module] = sorted(dists) or "not installed"
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_data_file_is_package_data() -> None:
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["tokcost"]
    data = [p.relative_to(ROOT / "tokcost") for p in (ROOT / "tokcost").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data, "no data files found"
    unshipped = [str(p) for p in data if not any(p.match(g) for g in patterns)]
    assert not unshipped, f"not in [tool.setuptools.package-data]: {unshipped}"


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def test_readme_layout_lists_every_module_with_its_one_responsibility() -> None:
    """The README's Layout table is the tree: a module added, removed or re-described fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `(tokcost/[^`]+\.py)` \| (.*) \|$", readme, flags=re.M))
    modules = {p.relative_to(ROOT).as_posix(): p for p in sorted((ROOT / "tokcost").rglob("*.py"))}
    rows = {name: f"| `{name}` | {_summary(path)} |" for name, path in modules.items()}
    assert sorted(listed) == sorted(modules), "README Layout rows should be:\n" + "\n".join(rows.values())
    for name, path in modules.items():
        assert _summary(path), f"{name} has no docstring stating its responsibility"
        assert listed[name] == _summary(path), f"README Layout row should be: {rows[name]}"
