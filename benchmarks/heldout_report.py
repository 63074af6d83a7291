"""Per-seed means, intervals, paired tests and the issue's checks for
benchmarks/colorizer_heldout.py (issue 24, "Must show").

Seeds are the unit of the intervals: a colorizer's per-photo scores are averaged per
seed, then `deepcolor.train.stats` gives the mean over seeds with its 95% t-interval
(`mean_interval`) and paired t-tests on the per-seed differences (`paired`): a
variant against `plain` (CIEDE2000) and the model against gray (CIEDE2000; gray is
scored on the same photos). With one seed there is no interval ("1 seed").
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence

import numpy as np

from deepcolor.train import stats

SEED_COLUMNS = ("seed", "variant", "set", "photos", "ciede2000", "ciede2000_gray", "gap",
                "share_beating_gray", "colourfulness", "colourfulness_true",
                "colourfulness_ratio")
# The "Must show" thresholds: gap (gray's CIEDE2000 minus the model's) per set.
MIN_GAP = {"test": 3.0, "heldout": 1.5}
MIN_COLOURFULNESS_RATIO = 0.70
MIN_SHARE_BEATING_GRAY = 0.80
MIN_SEEDS = 3


def per_seed(rows: Sequence[Dict]) -> List[Dict]:
    """One row per (seed, variant, set): means over its photos."""
    groups: Dict[tuple, List[Dict]] = {}
    for row in rows:
        groups.setdefault((row["seed"], row["variant"], row["set"]), []).append(row)
    out = []
    for (seed, variant, name), group in groups.items():
        mean = {k: float(np.mean([float(r[k]) for r in group]))
                for k in ("ciede2000", "ciede2000_gray", "gap", "beats_gray", "colourfulness",
                          "colourfulness_true")}
        out.append({"seed": seed, "variant": variant, "set": name, "photos": len(group),
                    "ciede2000": mean["ciede2000"], "ciede2000_gray": mean["ciede2000_gray"],
                    "gap": mean["gap"], "share_beating_gray": mean["beats_gray"],
                    "colourfulness": mean["colourfulness"],
                    "colourfulness_true": mean["colourfulness_true"],
                    "colourfulness_ratio": mean["colourfulness"] / mean["colourfulness_true"]})
    return out


def _select(seeds: Sequence[Dict], variant: str, name: str) -> List[Dict]:
    return sorted((r for r in seeds if r["variant"] == variant and r["set"] == name),
                  key=lambda r: r["seed"])


def interval(values: Sequence[float]) -> str:
    centre, low, high = stats.mean_interval(values)
    if len(values) < 2:
        return f"{centre:.3g} (1 seed)"
    return f"{centre:.3g} [{low:.3g}, {high:.3g}]"


def summary(seeds: Sequence[Dict], photos: Sequence[Dict], variants, sets) -> List[Dict]:
    """For each set and variant: means over seeds with intervals, per-photo medians."""
    out = []
    for name in sets:
        for variant in variants:
            chosen = _select(seeds, variant, name)
            if not chosen:
                continue
            pooled = [r for r in photos if r["variant"] == variant and r["set"] == name]
            ciede, gap, wins = ([float(r[k]) for r in pooled]
                                for k in ("ciede2000", "gap", "beats_gray"))
            out.append({
                "set": name, "variant": variant, "seeds": len(chosen),
                "photos": chosen[0]["photos"],
                "CIEDE2000": interval([r["ciede2000"] for r in chosen]),
                "gray": f"{np.mean([r['ciede2000_gray'] for r in chosen]):.3g}",
                "gap (gray - model)": interval([r["gap"] for r in chosen]),
                "beats gray": interval([r["share_beating_gray"] for r in chosen]),
                "colourfulness / truth": interval([r["colourfulness_ratio"] for r in chosen]),
                "per-photo median CIEDE2000": f"{np.median(ciede):.3g}",
                "per-photo median gap": f"{np.median(gap):.3g}",
                "photos beating gray (all seeds)": f"{np.mean(wins):.0%}",
            })
    return out


def _test_row(name: str, what: str, test) -> Dict:
    if test is None:
        return {"set": name, "comparison": what, "test": "-", "difference [95% CI]": "1 seed: "
                "no test", "p": "-", "seeds": 1}
    return {"set": name, "comparison": what, "test": test.name,
            "difference [95% CI]": test.interval(), "p": f"{test.p:.3g}", "seeds": test.n}


def comparisons(seeds: Sequence[Dict], variants, sets) -> List[Dict]:
    """Paired t-tests on per-seed CIEDE2000 differences: each variant against plain,
    and each variant against gray (negative: the first is closer to the truth)."""
    out = []
    for name in sets:
        plain = _select(seeds, "plain", name)
        for variant in variants:
            rows = _select(seeds, variant, name)
            if not rows:
                continue
            model = [r["ciede2000"] for r in rows]
            same_seeds = [r["seed"] for r in plain] == [r["seed"] for r in rows]
            if variant != "plain" and plain and same_seeds:
                base = [r["ciede2000"] for r in plain]
                out.append(_test_row(name, f"{variant} - plain, CIEDE2000",
                                     stats.paired(model, base) if len(rows) > 1 else None))
            gray = [r["ciede2000_gray"] for r in rows]
            out.append(_test_row(name, f"{variant} - gray, CIEDE2000",
                                 stats.paired(model, gray) if len(rows) > 1 else None))
    return out


def seed_rows(seeds: Sequence[Dict]) -> List[Dict]:
    """per_seed.csv as a readable table."""
    return [{"set": r["set"], "variant": r["variant"], "seed": r["seed"],
             "CIEDE2000": f"{r['ciede2000']:.3f}", "gray": f"{r['ciede2000_gray']:.3f}",
             "gap": f"{r['gap']:.3f}", "beats gray": f"{r['share_beating_gray']:.0%}",
             "colourfulness / truth": f"{r['colourfulness_ratio']:.0%}"}
            for r in sorted(seeds, key=lambda r: (r["set"], r["variant"], r["seed"]))]


def checks(seeds: Sequence[Dict], variant: str, sets) -> List[Dict]:
    """The issue's "Must show" thresholds on the means over seeds (PASS when the mean
    meets the bound; the 95% interval over seeds is shown beside it): one row each."""
    out = []
    for name in sets:
        rows = _select(seeds, variant, name)
        if not rows:
            continue
        for what, key, bound in (
                (f"gap to gray >= {MIN_GAP.get(name, math.nan)}", "gap",
                 MIN_GAP.get(name, math.nan)),
                (f"colourfulness >= {MIN_COLOURFULNESS_RATIO:.0%} of the truth's",
                 "colourfulness_ratio", MIN_COLOURFULNESS_RATIO),
                (f"beats gray on >= {MIN_SHARE_BEATING_GRAY:.0%} of photos",
                 "share_beating_gray", MIN_SHARE_BEATING_GRAY)):
            values = [r[key] for r in rows]
            value = float(np.mean(values))
            out.append({"variant": variant, "set": name, "check": what,
                        "value": f"{value:.3g}", "95% interval over seeds": interval(values),
                        "verdict": "PASS" if value >= bound else "FAIL"})
    count = len({r["seed"] for r in seeds if r["variant"] == variant})
    out.append({"variant": variant, "set": "all", "check": f">= {MIN_SEEDS} seeds",
                "value": str(count), "95% interval over seeds": "-",
                "verdict": "PASS" if count >= MIN_SEEDS else "FAIL"})
    return out


def _md(rows) -> str:
    from deepcolor.tables import markdown_table

    return markdown_table(rows, list(rows[0])) if rows else "(none)"


def table_md(command: str, args, variants: Dict[str, str], photos, seeds, env, wall):
    """table.md's text and the check rows. `variants`: name -> what it does."""
    checked = [c for v in variants for c in checks(seeds, v, args.sets)]
    return "\n".join([
        "# Colorizers on the photos test split and on held-out photographs (issue 24)", "",
        f"- Command: `{command}` ({wall:.0f} s on {env['hardware']}, load average "
        f"{env.get('load_average_1min')}, {env['date']})",
        f"- Colorizers (one per seed): {', '.join(sorted({r['seed'] for r in seeds}))}",
        "- Sets: `test` = the `photos` test split (split by file-name hash, as every photos "
        "experiment); `heldout` = data/heldout-photos (python -m benchmarks.heldout_photos; "
        "packages and licences in results/heldout_photos/MANIFEST.tsv).",
        f"- Each photo resized to {args.long_side} px on its long side (the truth); the model "
        f"sees its luminance at {args.size} x {args.size}; colour laid on the {args.long_side}"
        f" px luminance. Gray = a = b = 0 on the same luminance. Variants: "
        + "; ".join(f"`{k}` = {v}" for k, v in variants.items()) + ".",
        "", "## Means over seeds (95% t-interval over seeds) and per-photo distribution", "",
        _md(summary(seeds, photos, list(variants), args.sets)), "",
        "## Paired comparisons (per-seed differences; negative = closer to the truth)", "",
        _md(comparisons(seeds, list(variants), args.sets)), "",
        "## The issue's \"Must show\" (PASS: the mean over seeds meets the bound)", "",
        _md(checked), "", "## Per seed", "", _md(seed_rows(seeds)), "",
        "Per photo: per_photo.csv; per seed: per_seed.csv; inputs and machine: config.json.",
        ""]), checked
