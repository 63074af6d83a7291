"""Seeds by power: how many seeds each report's default preset runs, from a pilot.

The pilot is the preset's committed run (`results/<experiment>/default/`). Its
`verdicts.json` holds, for every test of every claim, the seeds a two-sided paired
(or one-sample) t-test needs to find the pilot's effect with 80% power at alpha 0.05
(statsmodels `TTestPower` on the per-seed spread; before Holm's correction). For a claim
that states a value (a ratio "about 10x", a report's table value), the effect is the
distance of our estimate from that value; for a directional claim ("A beats B"), which
states no size, it is the pilot's own difference. Its `config.json` gives the wall time,
hence the CPU minutes one seed costs.

The rule, per preset: the seeds the budget affords are `CPU_BUDGET_MINUTES / minutes a
seed`; run `PREFERRED_SEEDS` (5) if affordable, else `MIN_SEEDS` (3), and more when a
test needs more and they are affordable (the largest affordable need). Tests needing
more than the CPU affords are listed: they need a GPU preset or `--seeds`.

    python -m deepcolor.train.seed_plan            # show the plan from the committed pilots
    python -m deepcolor.train.seed_plan --write    # and write results/seed_plan.{json,md}

The presets read `results/seed_plan.json` (`seeds()`, `expected_runtime()`); rewriting
it is an explicit step, so a rerun does not move its own seed count.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import List, Optional

from deepcolor.train.deciding import MIN_SEEDS

CPU_BUDGET_MINUTES = 35  # a report's default preset on the 2-core CPU (the main job: ~30)
PREFERRED_SEEDS = 5
PLANNED = ("unet_colorspace", "koalarization", "unet_cnn_cgan", "deepcolor003", "dilated_unet")
PLAN_FILE = Path(__file__).resolve().parents[2] / "results" / "seed_plan.json"


def _wall_minutes(saved: dict) -> float:
    text = saved.get("environment", {}).get("wall_time", "")
    found = re.match(r"\s*([\d.]+) min", text)
    if not found:
        raise ValueError(f"no wall time in config.json ({text!r})")
    return float(found.group(1))


def choose(needed: List[Optional[int]], minutes_per_seed: float,
           budget: float = CPU_BUDGET_MINUTES) -> dict:
    """The rule above, on one pilot's per-test needs (None: no seed count finds it)."""
    affordable = max(MIN_SEEDS, math.floor(budget / minutes_per_seed))
    floor = PREFERRED_SEEDS if PREFERRED_SEEDS <= affordable else MIN_SEEDS
    reachable = [n for n in needed if n is not None and n <= affordable]
    seeds = max([floor] + reachable)
    return {"seeds": seeds, "affordable": affordable,
            "cpu_minutes": round(seeds * minutes_per_seed, 1),
            "tests_reachable": len(reachable), "tests": len(needed)}


def plan_for(folder: Path) -> dict:
    """The plan of one preset from its committed pilot folder."""
    saved = json.loads((folder / "config.json").read_text())
    verdicts = json.loads((folder / "verdicts.json").read_text())
    pilot_seeds = saved["config"].get("seeds") or [saved["config"].get("seed", 0)]
    per_seed = _wall_minutes(saved) / len(pilot_seeds)
    tests = [(t["pair"], t.get("seeds_needed")) for v in verdicts for t in v.get("tests", [])
             if "p" in t]
    plan = choose([n for _, n in tests], per_seed)
    plan.update(experiment=folder.parent.name, pilot=str(folder), pilot_seeds=len(pilot_seeds),
                pilot_date=saved["environment"].get("date", "?"),
                minutes_per_seed=round(per_seed, 2), needed=dict(tests),
                out_of_reach=[pair for pair, n in tests if n is None or n > plan["affordable"]])
    return plan


def make_plan(results: Path) -> dict:
    return {name: plan_for(results / name / "default") for name in PLANNED}


def _saved_plan() -> dict:
    try:
        return json.loads(PLAN_FILE.read_text())
    except (OSError, ValueError):
        return {}


def seeds(experiment: str, first: int = 0) -> List[int]:
    """The default preset's seeds: `first` onwards, as many as the plan says (5 if the
    plan file is missing, e.g. outside a checkout)."""
    count = _saved_plan().get(experiment, {}).get("seeds", PREFERRED_SEEDS)
    return list(range(first, first + count))


def expected_runtime(experiment: str) -> str:
    plan = _saved_plan().get(experiment)
    if not plan:
        return "unknown (no seed plan: python -m deepcolor.train.seed_plan --write)"
    return (f"about {plan['cpu_minutes']:.0f} minutes on a shared 2-core CPU ({plan['seeds']} "
            f"seeds x {plan['minutes_per_seed']:.1f} min, measured; results/seed_plan.md)")


def markdown(plan: dict) -> str:
    lines = ["# Seeds by power: each default preset's seed count, from a pilot", "",
             __doc__.split("\n\n")[1].replace("\n", " "), "",
             f"Budget: {CPU_BUDGET_MINUTES} CPU minutes a preset; at least {PREFERRED_SEEDS} "
             f"seeds where affordable. Command: `python -m deepcolor.train.seed_plan --write`.",
             "", "| experiment | pilot (seeds, date) | min a seed | affordable | seeds | "
             "CPU min | tests reaching 80% power | out of reach on this CPU (seeds needed) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, p in plan.items():
        far = "; ".join(f"{pair} ({p['needed'][pair] or 'never at this effect'})"
                        for pair in p["out_of_reach"]) or "-"
        lines.append(f"| {name} | {p['pilot_seeds']}, {p['pilot_date'][:10]} | "
                     f"{p['minutes_per_seed']} | {p['affordable']} | {p['seeds']} | "
                     f"{p['cpu_minutes']} | {p['tests_reachable']} of {p['tests']} | {far} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcolor.train.seed_plan",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default="results", help="results root (default results)")
    parser.add_argument("--write", action="store_true", help="write results/seed_plan.*")
    args = parser.parse_args(argv)
    try:
        plan = make_plan(Path(args.results))
    except (OSError, ValueError, KeyError) as err:
        print(f"seed_plan: cannot read a pilot: {err}", file=sys.stderr)
        return 2
    text = markdown(plan)
    print(text)
    if args.write:
        root = Path(args.results)
        (root / "seed_plan.json").write_text(json.dumps(plan, indent=1) + "\n")
        (root / "seed_plan.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
