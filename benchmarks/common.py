"""What every benchmark shares: the machine record, timing, and results/benchmarks.md.

Each benchmark owns one `## ` section of results/benchmarks.md and rewrites only
that section, so the three scripts (and reruns of one) never clobber each other.
Every section states the machine, the command, the date and the 1-minute load
average at start: on a shared 2-core machine the load changes the numbers.
"""
from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from deepcolor.train.environment import load_average  # noqa: F401  (used by every benchmark)

RESULTS = Path("results") / "benchmarks.md"
TITLE = "# Benchmarks"
INTRO = ("Speed of the suite on the machine named in each section. Every number below was "
         "printed by the command given with it. No GPU was available to this work: no GPU "
         "figures were measured; the commands to measure them are given.")


def machine() -> Dict:
    """deepcolor.train.environment.environment() plus the load average, taken now."""
    from deepcolor.train.environment import environment

    env = environment()
    env["load_average_1min"] = round(load_average(), 2)
    return env


def command_line(module: str, argv=None) -> str:
    """The command that ran benchmark `module` with `argv` (default: this process's)."""
    argv = sys.argv[1:] if argv is None else argv
    return " ".join([f"python -m {module}"] + [shlex.quote(a) for a in argv])


def header(env: Dict, command: str) -> List[str]:
    """The lines that open a section: machine, command, date, load."""
    versions = env["versions"]
    return [f"- Machine: {env['hardware']}, {env['processor']}, {env['platform']}; "
            f"TensorFlow {versions.get('tensorflow')}, Keras {versions.get('keras')}",
            f"- Command: `{command}`",
            f"- Date: {env['date']}; 1-minute load average at start: "
            f"{env['load_average_1min']} on {env['cpu_count']} cores"]


def update_section(title: str, body: str, path: Path = RESULTS) -> Path:
    """Replace (or append) the `## title` section of `path` with `body`."""
    path = Path(path)
    text = path.read_text() if path.exists() else f"{TITLE}\n\n{INTRO}\n"
    lines = text.rstrip("\n").split("\n")
    head = f"## {title}"
    if head in lines:
        start = lines.index(head)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines = lines[:start] + lines[end:]
        # Keep the section where it was, so the file's order is stable across reruns.
        insert_at = start
    else:
        insert_at = len(lines)
    section = [head, ""] + body.strip("\n").split("\n") + [""]
    lines = lines[:insert_at] + section + lines[insert_at:]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = re.sub(r"\n+## ", "\n\n## ", "\n".join(lines))  # one blank line before each section
    path.write_text(text.rstrip("\n") + "\n")
    return path


def publish(section: str, body: List[str], output) -> int:
    """Write `body` as the `## section` of `output`, print it; the exit status (0)."""
    text = "\n".join(body)
    update_section(section, text, output)
    print(text)
    return 0


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn()` takes (wall clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def table(rows: List[Dict], columns: Sequence[str]) -> str:
    from deepcolor.tables import markdown_table

    return markdown_table(rows, columns)
