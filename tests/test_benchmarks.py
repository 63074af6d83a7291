"""Smoke test of the benchmarks: each runs with --quick and writes a table of positive numbers.

Each benchmark's `main(argv)` runs in this process (one TensorFlow import for all)
and writes its section into a private Markdown file. The quick sizes say nothing
about speed; they check that every path runs and reports.
"""
import importlib
import re

import pytest

# test id -> (benchmark, extra arguments, section title, columns that must be positive)
BENCHMARKS = {
    "pipeline": ("pipeline", [], "Input pipeline",
                 ["loop img/s", "epoch 1 img/s", "cached img/s", "cached img/s before",
                  "epoch 1 ratio", "cached ratio"]),
    # XLA compiles are the slow part: with and without XLA on the smallest model, and
    # the two-input path (gray + embedding) of a fusion head without.
    "train_step": ("train_step", ["--models", "unet004_model1", "--configs", "fp32", "bf16+XLA"],
                   "Training step", ["fwd GFLOP/img", "train GFLOP/img", "fp32 img/s",
                                     "fp32 GFLOP/s", "bf16+XLA img/s", "bf16+XLA GFLOP/s"]),
    "train_step_fusion": ("train_step", ["--models", "fusion001", "--configs", "fp32"],
                          "Training step", ["fwd GFLOP/img", "fp32 img/s", "fp32 GFLOP/s"]),
    "colorize": ("colorize", [], "Colorize a 12-megapixel photo",
                 ["load model s", "read JPEG s", "colorize (1st call) s", "write PNG s",
                  "end to end s"]),
}


def tables(markdown: str):
    """Every Markdown table in `markdown` as a list of {column: cell} rows."""
    found, lines = [], markdown.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("| ") and re.fullmatch(r"\|(---\|)+", lines[i + 1]):
            header = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("| "):
                    break
                rows.append(dict(zip(header, [c.strip() for c in row.strip("|").split("|")])))
            found.append(rows)
    return found


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_benchmark_quick_run_writes_its_table(name, tmp_path):
    benchmark, extra, section, positive = BENCHMARKS[name]
    output = tmp_path / "benchmarks.md"
    module = importlib.import_module(f"benchmarks.{benchmark}")
    assert module.main(["--quick", "--output", str(output), *extra]) == 0
    text = output.read_text()
    assert f"## {section}" in text and "load average at start" in text
    rows = tables(text)[0]
    assert rows, text
    for row in rows:
        for column in positive:
            assert float(row[column]) > 0, (column, row)
    if name == "pipeline":  # the photos are also decoded at full scale, for comparison
        photo_rows = [row for row in rows if "MP JPEG photos" in row["source"]]
        assert photo_rows and all(float(row["reduced-scale decode speed-up"]) > 0
                                  for row in photo_rows)
