"""The package layers import one way (issue 10): a test of the import graph, read with
`ast` so that no import runs. A module may import its own layer or a lower one:

    experiments, benchmarks            (top)
    deepcolor (the package's API), deepcolor.cli
    deepcolor.turing, deepcolor.train, deepcolor.studio
    deepcolor.serving (export, inference)
    data_pipelines, deepcolor.models
    deepcolor.colorspaces, metrics, errors, tables  (the core)

`data_pipelines` imports nothing from `deepcolor` (it is handed the colour-space encode),
and the module-level import graph has no cycle.
"""
import ast
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("deepcolor", "data_pipelines", "experiments", "benchmarks")

# Longest prefix wins; every module must be listed (the last test checks it).
RANKS = {
    "deepcolor.colorspaces": 0, "deepcolor.metrics": 0, "deepcolor.errors": 0,
    "deepcolor.tables": 0,
    "deepcolor.models": 1, "data_pipelines": 1,
    "deepcolor.serving": 2,
    "deepcolor.train": 3, "deepcolor.turing": 3, "deepcolor.studio": 3,
    "deepcolor.cli": 4, "deepcolor.__main__": 4, "deepcolor.__init__": 4,
    "experiments": 5, "benchmarks": 5,
}
API = "deepcolor.__init__"  # the package's one-line API may reach any layer, lazily


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts)


def _modules():
    for package in PACKAGES:
        for root, _, files in os.walk(REPO / package):
            for name in files:
                if name.endswith(".py"):
                    yield Path(root) / name


def _imports(path: Path):
    """(imported module, at module level?) for each import of ours in the file."""
    tree = ast.parse(path.read_text(), str(path))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` depends on pkg.sub; `from pkg import name` on pkg.
            names = [f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}")
                     else node.module for a in node.names]
        for name in names:
            if name.split(".")[0] in PACKAGES:
                yield name, id(node) in top_level


def _is_module(name: str) -> bool:
    candidate = REPO.joinpath(*name.split("."))
    return candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()


def rank(module: str) -> int:
    best, length = None, -1
    for prefix, value in RANKS.items():
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
            best, length = value, len(prefix)
    return best


def _existing(name: str) -> str:
    """The longest prefix of `name` that is a module or package of ours."""
    parts = name.split(".")
    while parts:
        candidate = REPO.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def test_data_pipelines_imports_nothing_from_deepcolor():
    offenders = [f"{_module_name(p)} imports {name}"
                 for p in (REPO / "data_pipelines").rglob("*.py")
                 for name, _ in _imports(p) if name.split(".")[0] == "deepcolor"]
    assert not offenders, offenders


def test_every_import_goes_to_the_same_or_a_lower_layer():
    offenders = []
    for path in _modules():
        module = _module_name(path)
        if module == API:
            continue
        for name, _ in _imports(path):
            target = _existing(name)
            if rank(target) > rank(module):
                offenders.append(f"{module} (layer {rank(module)}) imports {target} "
                                 f"(layer {rank(target)})")
    assert not offenders, "\n".join(sorted(set(offenders)))


def test_the_module_import_graph_has_no_cycle():
    graph = {}
    for path in _modules():
        module = _module_name(path).removesuffix(".__init__")
        graph[module] = {_existing(n).removesuffix(".__init__") for n, top in _imports(path) if top}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if nxt == node:
                continue
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_layer_table_knows_every_deepcolor_module():
    for path in _modules():
        module = _module_name(path)
        assert rank(module) is not None, f"{module}: add it to RANKS in {__file__}"


def test_results_hold_outputs_only():
    scripts = sorted(str(p.relative_to(REPO)) for p in (REPO / "results").rglob("*.py"))
    assert not scripts, f"code belongs in benchmarks/, not results/: {scripts}"


def test_the_gray_psnr_check_measures_chroma_only():
    from benchmarks.unet000_checks import gray_psnr

    gray = np.full((1, 4, 4, 3), 0.5)
    colour = gray.copy()
    colour[..., 0] += 0.1  # R + 0.1: luma +0.0299, so R - luma = 0.0701, G, B = -0.0299
    expected = -10 * np.log10(np.mean(np.array([0.0701, -0.0299, -0.0299]) ** 2))
    np.testing.assert_allclose(gray_psnr(np.concatenate([gray, colour])), [100.0, expected],
                               rtol=1e-3)


MAX_FUNCTION_LINES, MAX_MODULE_LINES = 60, 300


def test_no_function_or_module_is_too_long():
    """The project's standard: no function over 60 lines, no module over 300."""
    offenders = []
    for path in _modules():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            offenders.append(f"{_module_name(path)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    offenders.append(f"{_module_name(path)}.{node.name} "
                                     f"(line {node.lineno}): {length} lines")
    assert not offenders, "\n".join(offenders)
