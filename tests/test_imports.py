"""Every module imports on its own, and no two modules need each other (issue 20).

tests/test_architecture.py checks the module-level import graph; this file is stricter:
an import inside a function counts too, so a circle cannot hide behind a lazy import
(such imports stay fine for start-up time, as long as they point one way).
"""
import json
import os
import subprocess
import sys

import pytest

from tests.test_architecture import REPO, _existing, _imports, _module_name, _modules

IMPORTED = ("deepcolor", "data_pipelines", "experiments")

_IMPORT_ALL = """
import importlib, json, pathlib, sys
failed = {}
for package in sys.argv[1:]:
    for path in sorted(pathlib.Path(package).rglob("*.py")):
        name = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        if name.endswith("__main__"):
            continue  # running it is the command itself
        try:
            importlib.import_module(name)
        except Exception as err:
            failed[name] = f"{type(err).__name__}: {err}"
print(json.dumps(failed))
"""


def test_every_module_imports_in_a_fresh_interpreter():
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3",
               CUDA_VISIBLE_DEVICES="", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL, *IMPORTED], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    failed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not failed, "\n".join(f"{k}: {v}" for k, v in failed.items())


def _graph(lazy_too: bool) -> dict:
    graph = {}
    for path in _modules():
        module = _module_name(path).removesuffix(".__init__")
        graph[module] = {_existing(name).removesuffix(".__init__")
                         for name, top in _imports(path) if top or lazy_too} - {module}
    return graph


def _cycle(graph: dict):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_no_import_cycle_even_through_function_local_imports():
    cycle = _cycle(_graph(lazy_too=True))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycle(graph) == expected

