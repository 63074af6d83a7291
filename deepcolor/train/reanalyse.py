"""Decide a finished experiment's claims again from its per-seed records, without training.

    python -m deepcolor.train.reanalyse results/dilated_unet/default   # claims saved in config.json
    python -m experiments.dilated_unet --reanalyse                     # the claims declared now

Reads `per_seed.csv` (one row per run and seed, baselines with seed "all"), decides the
claims (deepcolor.train.claims), and rewrites `verdicts.json`, the claims section of
`table.md` and the claims saved in `config.json`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import List, Optional, Sequence

from deepcolor.train import claims as claims_lib
from deepcolor.train import results as results_lib


def read_rows(folder: str) -> List[dict]:
    import pandas as pd

    path = os.path.join(folder, results_lib.PER_SEED_CSV)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist: this folder was written before "
                                f"per-seed records; rerun the experiment to make one")
    frame = pd.read_csv(path, dtype={"seed": str})
    return [{k: (None if v != v else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _replace_section(table: str, lines: List[str]) -> str:
    """table.md with its claims section replaced by `lines` (or added before Observations)."""
    heading = results_lib.VERDICTS_HEADING
    body = table.rstrip("\n").split("\n")
    if heading in body:
        start = body.index(heading) - 1  # the blank line before it
        end = next((i for i in range(start + 2, len(body)) if body[i].startswith("## ")),
                   len(body))
        end = end - 1 if end < len(body) else end  # keep the blank line before the next heading
        body = body[:start] + body[end:]
    at = body.index("## Observations") - 1 if "## Observations" in body else len(body)
    return "\n".join(body[:at] + lines + body[at:]) + "\n"


def _refresh_intervals(folder: str, table: str, rows: List[dict]) -> str:
    """table.csv's and table.md's "95% CI" cells recomputed from the per-seed rows (an
    older writer put linear intervals there); the rest of the table is kept."""
    import pandas as pd

    from deepcolor.tables import markdown_table

    csv_path = os.path.join(folder, "table.csv")
    if not os.path.exists(csv_path):
        return table
    frame = pd.read_csv(csv_path)
    metrics = [c[:-len(" 95% CI")] for c in frame.columns if c.endswith(" 95% CI")]
    records = [{k: (None if v != v else v) for k, v in r.items()}
               for r in frame.to_dict("records")]
    for record in records:
        mine = [row for row in rows if row["run"] == record["run"]]
        record.update(results_lib.interval_cells({m: [row.get(m) for row in mine]
                                                  for m in metrics}))
    columns = list(frame.columns)
    pd.DataFrame(records, columns=columns).to_csv(csv_path, index=False)
    lines = table.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("| run |")), None)
    if start is None:
        return table
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[:start] + [markdown_table(records, columns)] + lines[end:])


def reanalyse(folder: str, claims: Optional[Sequence] = None) -> list:
    """Re-decide the claims of a results folder; `claims` default to those it saved."""
    with open(os.path.join(folder, "config.json")) as f:
        saved = json.load(f)
    if claims is None:
        claims = [claims_lib.from_dict(c) for c in saved["config"].get("claims", [])]
    rows = read_rows(folder)
    runs = sorted({row["run"] for row in rows})
    claims_lib.check(claims, runs)
    verdicts = claims_lib.decide(claims, results_lib.seed_values(rows))
    results_lib.write_verdicts(verdicts, folder)
    table_path = os.path.join(folder, "table.md")
    with open(table_path) as f:
        table = _refresh_intervals(folder, f.read(), rows)
    with open(table_path, "w") as f:
        f.write(_replace_section(table, results_lib.verdict_lines(verdicts)))
    saved["config"]["claims"] = [dataclasses.asdict(c) for c in claims]
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(saved, f, indent=2, default=str)
    return verdicts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepcolor.train.reanalyse",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="results folders (results/<experiment>/<preset>)")
    args = parser.parse_args(argv)
    status = 0
    for folder in args.folders:
        try:
            for verdict in reanalyse(folder):
                print(f"{folder}: {verdict.line()}")
        except (OSError, ValueError, KeyError) as err:
            print(f"deepcolor.train.reanalyse: error: {folder}: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
