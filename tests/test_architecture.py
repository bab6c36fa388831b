"""The architecture's rules, checked from the code itself (fast, no build):

- layers without cycles: no module imports, directly or through others, a module that imports it
  back — imports inside functions included (a cycle hidden in a function is still a cycle), and
  importing `a.b.c` counts as importing the packages `a.b` and `a` too (Python runs their
  __init__ first);
- only hooks/ and src/disclosure_mkdocs/ know MkDocs (and its file watcher);
- no two classes of one name in src/;
- the status codes are written in one Python module.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGES = ("disclosure", "disclosure_mkdocs")


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            parts = list(path.relative_to(SRC).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of ours that importing `name` runs, as far as its own import statements go."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[:len(here) - (node.level - 1)]
                base = ".".join(here + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):  # a.b.c runs a and a.b first
                candidate = ".".join(parts[:i])
                if candidate in known and candidate != name:
                    found.add(candidate)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    # a package's __init__ importing its own submodules is how packages work, not a cycle with them
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    return graph


def test_the_cycle_finder_sees_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "a.py").write_text("from b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import y\n")
    known = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    graph = {n: imports(n, p, known) for n, p in known.items()}
    assert cycles(graph) == [["a", "b"]]


def test_there_is_no_import_cycle():
    found = cycles(import_graph())
    assert found == [], "import cycles (each list imports itself through the others):\n" + \
        "\n".join(" <-> ".join(c) for c in found)


def test_only_the_adapter_knows_mkdocs():
    offenders = []
    for name, path in modules().items():
        if name.startswith("disclosure_mkdocs"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{name}: {n}" for n in names if n.split(".")[0] in ("mkdocs", "material", "watchdog",
                                                                                "disclosure_mkdocs")]
    assert offenders == []


def test_no_two_classes_share_a_name():
    seen: dict[str, list[str]] = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(name)
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


STATUS_CODES = ("done", "partly_done", "mostly_done", "in_progress", "ongoing", "not_started", "unreported")


def test_the_status_codes_are_written_in_one_module():
    """A status code as a string literal appears only in disclosure/status.py (every other module
    names status.DONE etc.); the JSON schemas' enums are checked against it in test_status.py."""
    pattern = re.compile(r"""["'](%s)["']""" % "|".join(STATUS_CODES))
    offenders = []
    for name, path in modules().items():
        if name == "disclosure.status":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)
