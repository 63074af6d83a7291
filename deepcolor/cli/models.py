"""`deepcolor models`: every registered model, as a terminal table or in Markdown.

    deepcolor models                          print the table, fitted to the terminal
    deepcolor models --report 004             only one report's models
    deepcolor models --markdown               print the Markdown table instead
    deepcolor models --out results/models.md  also write the Markdown table (with a header)

The terminal table keeps within the terminal's width ($COLUMNS, else 100): one line
of name, report, parameters and shapes per model, then its section, colour space
and description wrapped below it.

Misuse (an unknown report or option, an --out that cannot be written) is one line
on stderr and exit status 2.

Each model is built at its report's input size with random weights (weights=None for
the pretrained encoders, so nothing is downloaded) to count its parameters; the rows
are cached in deepcolor/assets/models_summary.json (`--refresh` rebuilds them), so the
command answers without building anything.
"""
from __future__ import annotations

import argparse
import datetime
import inspect
import json
import pathlib
import shutil
import sys
import textwrap
from typing import List, Optional

import numpy as np

from deepcolor.errors import UsageError, run_command

COLUMNS = ("model", "report, section", "params (trainable / total)", "input shape(s)",
           "output shape", "colour space", "description")
PROG = "deepcolor models"


def _shape(tensor) -> str:
    return "x".join(str(d) for d in tuple(tensor.shape)[1:])


def _build_offline(spec):
    """Build `spec` at its report's size; pretrained encoders get random weights."""
    takes_weights = "weights" in inspect.signature(spec.build).parameters
    return spec.build(input_size=spec.input_size, **({"weights": None} if takes_weights else {}))


# The rows as last built (`deepcolor models --refresh`): the command answers from them in a
# second, without importing Keras or building a model; a test keeps them equal to a build.
CACHE = pathlib.Path(__file__).resolve().parents[1] / "assets" / "models_summary.json"


def cached_rows(report: Optional[str] = None) -> Optional[List[List[str]]]:
    """The cached rows (optionally of one report), or None without a cache."""
    try:
        rows = json.loads(CACHE.read_text())
    except (OSError, ValueError):
        return None
    return [row for row in rows if report is None or row[1].split(",")[0] == report]


def summary_rows(report: Optional[str] = None, fresh: bool = False) -> List[List[str]]:
    """One row per registered model (optionally of one report), in COLUMNS order: from
    the cache unless `fresh` (or there is none), else by building every model."""
    cached = None if fresh else cached_rows(report)
    if cached is not None:
        return cached
    from deepcolor.serving.quiet import import_tensorflow

    import_tensorflow()  # without TensorFlow's C++ start-up lines on the terminal
    import keras

    from deepcolor import models
    from deepcolor.colorspaces import get_colorspace

    rows = []
    for name in models.names(report):
        spec = models.get(name)
        model = _build_offline(spec)
        trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        inputs = "; ".join(f"{t.name.split(':')[0]} {_shape(t)}" for t in model.inputs)
        rows.append([f"`{name}`", f"{spec.report}, {spec.section}",
                     f"{trainable:,} / {model.count_params():,}", inputs, _shape(model.output),
                     get_colorspace(spec.colorspace).describe(), spec.description])
        keras.backend.clear_session()  # free each model before building the next
    return rows


def markdown_table(rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def text_table(rows: List[List[str]], width: int = 100) -> str:
    """`rows` (COLUMNS order) as plain text, no line longer than `width`."""
    width = max(width, 40)
    head = ["model", "report", "params (trainable / total)", "input -> output"]
    cells = [[row[0].strip("`"), row[1].split(",")[0], row[2], f"{row[3]} -> {row[4]}"]
             for row in rows]
    sizes = [max(len(r[i]) for r in [head] + cells) for i in range(3)]
    lines = []
    for i, cell in enumerate([head] + cells):
        line = "  ".join(c.ljust(n) for c, n in zip(cell[:3], sizes)) + "  " + cell[3]
        lines.append(_fit(line.rstrip(), width))
        if i == 0:
            lines.append("-" * min(width, max(len(line) for line in lines)))
            continue
        row = rows[i - 1]
        section = row[1].split(",", 1)[1].strip() if "," in row[1] else row[1]
        detail = f"{section}. Colour space: {row[5]}. {row[6]}"
        lines += textwrap.wrap(detail, width, initial_indent="    ", subsequent_indent="    ",
                               break_long_words=True)
    return "\n".join(lines) + "\n"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and exits; we want one line
        raise UsageError(message)


def _check_args(args) -> None:
    """Refuse bad options before the (slow) model builds, each in one line."""
    cached = None if args.refresh else cached_rows()
    if cached is not None:
        known = sorted({row[1].split(",")[0] for row in cached})
    else:
        from deepcolor.serving.quiet import import_tensorflow

        import_tensorflow()  # the registry imports Keras: TensorFlow without its C++ lines
        from deepcolor import models

        known = sorted({models.get(name).report for name in models.names()})
    if args.report is not None and args.report not in known:
        raise UsageError(f"unknown report {args.report!r}; known reports: {', '.join(known)}")
    if args.out is not None:
        if args.out.is_dir():
            raise UsageError(f"--out is a folder, give a file name: {args.out}")
        blocker = next((p for p in args.out.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise UsageError(f"cannot write --out {args.out}: {blocker} is not a folder")
        try:  # an unwritable place fails here, not after the slow builds
            args.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"cannot write --out {args.out}: {error.strerror or error}")


def run(argv) -> int:
    parser = _Parser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--report", help="only this report's models, e.g. 004")
    parser.add_argument("--out", type=pathlib.Path,
                        help="also write the Markdown table to this file")
    parser.add_argument("--markdown", action="store_true", help="print Markdown, not text")
    parser.add_argument("--refresh", action="store_true",
                        help="build every model again and rewrite the cached table")
    args = parser.parse_args(argv)
    _check_args(args)

    rows = summary_rows(args.report, fresh=args.refresh)
    if args.refresh and args.report is None:
        CACHE.write_text(json.dumps(rows, indent=1) + "\n")
    table = markdown_table(rows)
    width = shutil.get_terminal_size((100, 24)).columns
    print(table if args.markdown else text_table(rows, width), end="")
    if args.out:
        command = "deepcolor models" + (f" --report {args.report}" if args.report else "")
        header = (f"# Registered models\n\nGenerated by `{command} --out {args.out}` on "
                  f"{datetime.date.today().isoformat()}; parameter counts with random "
                  f"weights, at each report's input size.\n\n")
        try:
            args.out.write_text(header + table)
        except OSError as error:
            print(f"{PROG}: error: cannot write {args.out}: {error.strerror or error}",
                  file=sys.stderr)
            return 1
    return 0


def main(argv=None) -> int:
    return run_command(PROG, run, argv)
