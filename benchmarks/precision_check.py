"""Does mixed bfloat16 change a run's per-seed results beyond seed noise? (issue 18)

    python -m benchmarks.precision_check FP32_FOLDER BF16_FOLDER [--out results/precision_check.md]

Both folders are results of the same preset (same runs and seeds), one trained in
float32 and one with `--mixed-precision on`. For every run and metric the per-seed
differences bf16 - fp32 are tested paired (deepcolor.train.stats.paired, Holm over all),
and set beside the seed-to-seed standard deviation of the float32 runs: a change is
"beyond seed noise" when the paired test is significant or the mean change exceeds that
standard deviation.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from deepcolor.tables import markdown_table
from deepcolor.train import environment, reanalyse, stats

METRICS = ("mse", "psnr", "ciede2000", "colorfulness", "lowest_loss")


def compare(fp32_folder: str, bf16_folder: str) -> list:
    """One row per (run, metric): mean change, its paired test and the seed noise."""
    fp32, bf16 = reanalyse.read_rows(fp32_folder), reanalyse.read_rows(bf16_folder)
    rows = []
    for run in sorted({r["run"] for r in fp32 if r["seed"] != "all"}):
        a = {r["seed"]: r for r in fp32 if r["run"] == run}
        b = {r["seed"]: r for r in bf16 if r["run"] == run}
        seeds = sorted(set(a) & set(b))
        for metric in METRICS:
            if len(seeds) < 3 or metric not in a[seeds[0]] or metric not in b[seeds[0]]:
                continue
            x = np.array([float(a[s][metric]) for s in seeds])
            y = np.array([float(b[s][metric]) for s in seeds])
            test = stats.paired(y, x)
            rows.append({"run": run, "metric": metric, "seeds": len(seeds),
                         "float32 mean": float(x.mean()), "bf16 - float32": test.estimate,
                         "95% interval": f"[{test.low:.3g}, {test.high:.3g}]", "p": test.p,
                         "seed SD (float32)": float(x.std(ddof=1))})
    for row, adjusted in zip(rows, stats.holm([row["p"] for row in rows])):
        row["Holm p"] = adjusted
        row["beyond seed noise"] = ("yes" if adjusted < stats.ALPHA or
                                    abs(row["bf16 - float32"]) > row["seed SD (float32)"]
                                    else "no")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.precision_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("fp32")
    parser.add_argument("bf16")
    parser.add_argument("--out", default="results/precision_check.md")
    args = parser.parse_args(argv)
    try:
        rows = compare(args.fp32, args.bf16)
    except (OSError, KeyError, ValueError) as err:
        print(f"precision_check: error: {err}", file=sys.stderr)
        return 1
    columns = ["run", "metric", "seeds", "float32 mean", "bf16 - float32", "95% interval",
               "p", "Holm p", "seed SD (float32)", "beyond seed noise"]
    beyond = sum(row["beyond seed noise"] == "yes" for row in rows)
    text = "\n".join([
        "# Mixed bfloat16 against float32, per seed", "",
        f"Command: `python -m benchmarks.precision_check {args.fp32} {args.bf16}`", "",
        "Paired by seed (the same data and order); a change is beyond seed noise when the "
        "paired t-test is significant after Holm or the mean change exceeds the float32 "
        "runs' seed-to-seed standard deviation.", "",
        markdown_table(rows, columns), "",
        f"{beyond} of {len(rows)} run-metric pairs change beyond seed noise.", ""])
    Path(args.out).write_text(text)
    # What produced the table: the inputs (with the config and machine of each run) and
    # this machine and its versions.
    inputs = {}
    for name, folder in (("float32", args.fp32), ("bf16", args.bf16)):
        saved = json.loads((Path(folder) / "config.json").read_text())
        inputs[name] = {"folder": folder, "command": saved.get("command"),
                        "precision": saved.get("precision"),
                        "environment": saved.get("environment")}
    Path(args.out).with_suffix(".json").write_text(json.dumps(
        {"command": f"python -m benchmarks.precision_check {args.fp32} {args.bf16} "
                    f"--out {args.out}", "metrics": list(METRICS), "inputs": inputs,
         "environment": environment.environment()}, indent=2, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
