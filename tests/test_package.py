"""The package's shape: numpy alone to import, one home per idea, no cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import convcourse

PACKAGE = Path(convcourse.__file__).parent


def test_importing_convcourse_needs_numpy_alone():
    code = (
        "import sys, convcourse; "
        "print(sorted(m for m in ('torch', 'matplotlib', 'scipy', 'sklearn', 'tqdm', "
        "'convcourse.reference', 'convcourse.torch_arrays', 'convcourse.torch_twins', "
        "'convcourse.plot') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_public_names_are_exported():
    for name in convcourse.__all__:
        assert hasattr(convcourse, name), name
    assert callable(convcourse.fast.conv2d_forward)
    assert callable(convcourse.naive.conv2d_backward)


def test_the_referee_offers_every_name_of_its_parts():
    """``reference.NAME`` reaches the whole referee, whichever part defines it."""
    from convcourse import reference, torch_arrays, torch_twins

    for part in (torch_arrays, torch_twins):
        for name in part.__all__:
            assert getattr(reference, name) is getattr(part, name), name
            assert name in reference.__all__, name


def test_version_comes_from_the_installed_metadata():
    assert convcourse.__version__ == version("convcourse")


def _internal_imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` for every ``from .module import names`` in a source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            package = path.parent.relative_to(PACKAGE.parent).parts
            base = ".".join(package[: len(package) - node.level + 1])
            if node.module:
                found.append((f"{base}.{node.module}", [alias.name for alias in node.names]))
            else:  # from . import naive: the names are modules themselves
                found += [(f"{base}.{alias.name}", []) for alias in node.names]
    return found


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def test_no_private_name_is_imported_across_modules():
    offenders = [
        f"{name}: from {module} import {imported}"
        for name, path in _modules().items()
        for module, names in _internal_imports(path)
        for imported in names
        if imported.startswith("_")
    ]
    assert offenders == []


def test_modules_are_layered_without_cycles():
    """Each module imports only modules below it: the import graph has no cycle."""
    modules = _modules()
    graph = {
        name: {m for m, _ in _internal_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    # a package's __init__ may import its own modules; they must not import it back
    visiting, done = set(), set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in visiting, "import cycle: " + " -> ".join((*trail, node))
        if node in done:
            return
        visiting.add(node)
        for child in sorted(graph[node]):
            visit(child, (*trail, node))
        visiting.remove(node)
        done.add(node)

    for name in sorted(graph):
        visit(name, ())
