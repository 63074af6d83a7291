"""One table of every report's claims: `python -m deepcolor.train.summary`.

Reads each `results/<experiment>/<preset>/verdicts.json` (written by the runner beside
its table) with the `config.json` next to it, and writes `results/claims.md`: per claim,
the verdict, the numbers and intervals behind it, the scale it was decided at (the
report's data or which stand-in), the seeds and the command that produced it. Results
folders written before claims were data (no verdicts.json) are listed as such.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from deepcolor.tables import markdown_table
from deepcolor.train.results import REPORTS

ORDER = ("unet_colorspace", "koalarization", "unet_cnn_cgan", "deepcolor003", "dilated_unet",
         "pretrained_colorizer", "leaderboard")


def _rank(folder: Path):
    name = folder.parent.name
    return (ORDER.index(name) if name in ORDER else len(ORDER), name, folder.name)


def rows(results: Path) -> tuple:
    """(claim rows, folders without verdicts) over every results folder."""
    table, older = [], []
    for config_path in sorted(results.glob("*/*/config.json"), key=lambda p: _rank(p.parent)):
        folder = config_path.parent
        if folder.name.endswith((".partial", ".old")) or "@" in folder.name:
            continue  # unfinished, or an earlier run kept beside the current one
        saved = json.loads(config_path.read_text())
        if "config" not in saved:
            continue  # a summary file, not a run's
        config = saved["config"]
        verdicts_path = folder / "verdicts.json"
        if not verdicts_path.exists():
            older.append(f"`{folder.relative_to(results.parent)}` ({saved.get('command', '?')})")
            continue
        seeds = config.get("seeds") or [config.get("seed", 0)]
        labels = ", ".join(dict.fromkeys(r["data"].get("label") or r["data"]["source"]
                                         for r in config["runs"]))
        scale = (f"stand-in: {config['stand_in']}" if config.get("stand_in") else
                 "the report's data" if config["report"] in REPORTS else f"ours: {labels}")
        for verdict in json.loads(verdicts_path.read_text()):
            table.append({"report": config["report"], "claim": verdict["text"],
                          "verdict": verdict["verdict"].upper(), "numbers": verdict["evidence"],
                          "test": "; ".join(dict.fromkeys(
                              t["name"] for t in verdict.get("tests", []) if t.get("name"))),
                          "seeds": len(seeds), "scale": scale,
                          "command": f"`{saved.get('command', '?')}`",
                          "table": f"[{folder.relative_to(results)}]({folder.relative_to(results)}/table.md)"})
    return table, older


def write(results: Path, out: Path) -> Path:
    table, older = rows(results)
    columns = ["report", "claim", "verdict", "test", "seeds", "scale", "numbers", "command",
               "table"]
    lines = ["# Every report's claims, decided", "",
             "Written by `python -m deepcolor.train.summary` from the `verdicts.json` of each "
             "results folder. Each claim is tested on the per-seed results (`per_seed.csv` "
             "beside each table): runs of one seed are compared paired (per-seed differences, "
             "or per-seed log ratios), against a seed-independent baseline by a one-sample "
             "test, similarity by two one-sided tests with the declared margin; p-values are "
             "Holm-corrected over each table's tests at alpha 0.05. UNDECIDED verdicts state "
             "the smallest effect they could have detected at 80% power; NOT TESTABLE HERE "
             "says why (people, or data that cannot be had offline).", "",
             markdown_table(table, columns) if table else "(no results with verdicts yet)", ""]
    if older:
        lines += ["Results written before claims became data (their tables hold the older, "
                  "single-run verdict lines; rerun the command to decide them):", ""]
        lines += [f"- {o}" for o in older] + [""]
    out.write_text("\n".join(lines))
    return out


README_START, README_END = "<!-- claims:start -->", "<!-- claims:end -->"


def readme_block(results: Path) -> str:
    """The README's claims table: one line per claim, generated, never hand-written."""
    table, _ = rows(results)
    columns = ["report", "claim", "verdict", "test", "seeds", "table"]
    short = [{**row, "table": row["table"].replace("](", "](results/")} for row in table]
    return "\n".join([README_START, markdown_table(short, columns) if short else
                      "(no results with verdicts yet)", README_END])


def update_readme(results: Path, readme: Path) -> bool:
    """Rewrite the README's claims block in place; False if it has no block."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + readme_block(results) + tail)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcolor.train.summary",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--results-dir", default="results")
    parser.add_argument("--out", default=None, help="default: RESULTS_DIR/claims.md")
    args = parser.parse_args(argv)
    results = Path(args.results_dir)
    if not results.is_dir():
        print(f"deepcolor.train.summary: error: no results folder {results}", file=sys.stderr)
        return 2
    print(write(results, Path(args.out) if args.out else results / "claims.md"))
    readme = results.resolve().parent / "README.md"
    if args.out is None and readme.exists() and update_readme(results, readme):
        print(f"{readme} (its claims table)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
