"""Compare training recipes on the test split and the held-out photographs, paired by seed.

    python -m benchmarks.heldout_compare --control NAME=DIR --recipe NAME=DIR [NAME=DIR ...] \\
        --out results/colorizer_ablation/heldout

Each DIR is a `python -m benchmarks.colorizer_heldout --checkpoints ...` output (its
per_seed.csv), one checkpoint per training seed. Runs of one seed start from the same
pre-training and see the same split and order, so each recipe is compared with the
control by a paired t-test on per-seed differences (deepcolor.train.stats.paired),
matched by the seed number in the checkpoint's run folder (`...-seedN`), for each set
and inference variant present in both, on CIEDE2000, the share of photos beating gray
and colourfulness / truth's; Holm over every test of the table (statsmodels). An
undecided difference states the smallest one it could have detected at 80% power.
Writes table.md, pairs.csv (every per-seed pair) and config.json into --out.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from deepcolor.errors import UsageError, run_command

METRICS = (("ciede2000", "CIEDE2000 (lower is better)"),
           ("share_beating_gray", "share of photos beating gray"),
           ("colourfulness_ratio", "colourfulness / truth's"))
MEANS = (("gap", "gap to gray (CIEDE2000, gray - model)"),
         ("share_beating_gray", "photos beating gray"),
         ("colourfulness_ratio", "colourfulness / truth's"))
SEED = re.compile(r"seed(\d+)$")


def named_dir(text: str) -> Tuple[str, Path]:
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=DIR")
    return name, Path(folder)


def read_seeds(folder: Path) -> Dict[Tuple[str, str, int], Dict]:
    """{(set, variant, seed number): the per_seed.csv row with floats}."""
    path = Path(folder) / "per_seed.csv"
    if not path.is_file():
        raise UsageError(f"no {path}: run python -m benchmarks.colorizer_heldout --out {folder}")
    found = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            match = SEED.search(row["seed"])
            if not match:
                raise UsageError(f"{path}: seed {row['seed']!r} does not end in seedN")
            values = {k: float(row[k]) for k, _ in METRICS + MEANS if row.get(k)}
            found[(row["set"], row["variant"], int(match.group(1)))] = values
    return found


def compare(control: Dict, recipe: Dict, name: str, variants: Sequence[str]
            ) -> Tuple[List[Dict], List[Dict]]:
    """(test rows, per-seed pair rows) of one recipe against the control."""
    from deepcolor.train import stats

    tests, pairs = [], []
    keys = sorted({(s, v) for s, v, _ in recipe if v in variants}
                  & {(s, v) for s, v, _ in control})
    for set_name, variant in keys:
        seeds = sorted(n for s, v, n in recipe if (s, v) == (set_name, variant)
                       and (s, v, n) in control)
        for metric, label in METRICS:
            ours = [recipe[(set_name, variant, n)][metric] for n in seeds]
            base = [control[(set_name, variant, n)][metric] for n in seeds]
            pairs += [{"recipe": name, "set": set_name, "variant": variant, "seed": n,
                       "metric": metric, "recipe_value": a, "control_value": b}
                      for n, a, b in zip(seeds, ours, base)]
            test = stats.paired(ours, base) if len(seeds) >= 3 else None
            tests.append({"recipe": name, "set": set_name, "variant": variant,
                          "metric": label, "seeds": len(seeds), "recipe mean":
                          sum(ours) / len(ours), "control mean": sum(base) / len(base),
                          "test": test})
    return tests, pairs


def verdicts(tests: List[Dict]) -> None:
    """Holm over the decidable tests; each row gets its verdict text."""
    from deepcolor.train import stats

    decidable = [t for t in tests if t["test"] is not None]
    for row, adjusted in zip(decidable, stats.holm([t["test"].p for t in decidable])):
        test = row["test"]
        row["Holm p"] = adjusted
        if adjusted < stats.ALPHA:
            row["verdict"] = "recipe higher" if test.estimate > 0 else "recipe lower"
        else:
            row["verdict"] = f"undecided (could detect {test.detectable:.3g})"
    for row in tests:
        row.setdefault("verdict", "fewer than 3 paired seeds: no test")


def means_md(recipes: Dict[str, Dict], variants: Sequence[str]) -> List[str]:
    """Each recipe's means over its seeds with 95% t-intervals (heldout_report.interval)."""
    from benchmarks.heldout_report import interval

    lines = ["| recipe | set | variant | seeds | " + " | ".join(t for _, t in MEANS) + " |",
             "|---" * (4 + len(MEANS)) + "|"]
    for name, seeds in recipes.items():
        for set_name, variant in sorted({(s, v) for s, v, _ in seeds if v in variants}):
            rows = [r for (s, v, _), r in sorted(seeds.items()) if (s, v) == (set_name, variant)]
            cells = [interval([r[k] for r in rows]) if all(k in r for r in rows) else "-"
                     for k, _ in MEANS]
            lines.append(f"| {name} | {set_name} | {variant} | {len(rows)} | "
                         + " | ".join(cells) + " |")
    return lines


def table_md(command: str, tests: List[Dict], control: str, env: Dict,
             means: List[str]) -> str:
    from benchmarks.common import header

    lines = ["# Training recipes against the control, paired by seed", "",
             *header(env, command), f"- Control: {control}", "", "## Means over seeds", "",
             *means, "", "## Each recipe against the control", "",
             "- Test: paired t-test on per-seed differences (recipe - control), "
             "deepcolor.train.stats.paired; Holm over every row (statsmodels).", "",
             "| recipe | set | variant | metric | seeds | recipe | control | difference "
             "[95% CI] | p | Holm p | verdict |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in tests:
        test = t["test"]
        diff, p = (test.interval(), f"{test.p:.3g}") if test else ("-", "-")
        holm = f"{t['Holm p']:.3g}" if "Holm p" in t else "-"
        lines.append(f"| {t['recipe']} | {t['set']} | {t['variant']} | {t['metric']} | "
                     f"{t['seeds']} | {t['recipe mean']:.3g} | {t['control mean']:.3g} | "
                     f"{diff} | {p} | {holm} | {t['verdict']} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    from benchmarks.common import command_line, machine

    parser = argparse.ArgumentParser(prog="python -m benchmarks.heldout_compare",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--control", type=named_dir, required=True)
    parser.add_argument("--recipe", type=named_dir, nargs="+", required=True)
    parser.add_argument("--variants", nargs="+", default=["plain"],
                        help="inference variants to compare (default: plain)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    control_name, control_dir = args.control
    control = read_seeds(control_dir)
    tests, pairs, recipes = [], [], {control_name: control}
    for name, folder in args.recipe:
        recipes[name] = read_seeds(folder)
        more_tests, more_pairs = compare(control, recipes[name], name, args.variants)
        tests, pairs = tests + more_tests, pairs + more_pairs
    if not pairs:
        raise UsageError("no set, variant and seed is in both the control and a recipe")
    verdicts(tests)
    out, env = Path(args.out), machine()
    out.mkdir(parents=True, exist_ok=True)
    command = command_line("benchmarks.heldout_compare", argv)
    means = means_md(recipes, args.variants)
    (out / "table.md").write_text(table_md(command, tests, f"{control_name} ({control_dir})",
                                           env, means))
    with open(out / "pairs.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(pairs[0]))
        writer.writeheader()
        writer.writerows(pairs)
    (out / "config.json").write_text(json.dumps(
        {"command": command, "control": [control_name, str(control_dir)],
         "recipes": [[n, str(f)] for n, f in args.recipe], "environment": env},
        indent=2, default=str))
    print(f"wrote {out}/table.md, pairs.csv, config.json ({len(tests)} tests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command("python -m benchmarks.heldout_compare", main))
