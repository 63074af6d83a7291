"""The README's claims table is generated from the committed results, never hand-written
(issue 18), and the reanalysis re-decides a results folder from its per-seed records."""
import json
from pathlib import Path

from deepcolor.train import claims, reanalyse, summary
from deepcolor.tables import write_csv

ROOT = Path(__file__).resolve().parents[1]


def test_readme_claims_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text()
    assert summary.readme_block(ROOT / "results") in readme, (
        "README.md's claims table differs from the committed results: run "
        "`python -m deepcolor.train.summary`")


def _folder(tmp_path, claim_list):
    folder = tmp_path / "results" / "toy" / "default"
    folder.mkdir(parents=True)
    rows = [{"run": run, "seed": seed, "mse": base + 0.001 * seed + (0.0005 if run == "b" else 0)}
            for run, base in (("a", 0.010), ("b", 0.012)) for seed in range(5)]
    rows.append({"run": "baseline: no colour (a = b = 0)", "seed": "all", "mse": 0.02})
    write_csv(rows, ["run", "seed", "mse"], str(folder / "per_seed.csv"))
    config = {"command": "python -m experiments.toy", "config": {
        "report": "999", "claims": [claim.__dict__ for claim in claim_list]}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "table.md").write_text("# Toy\n\ntable\n\n## Observations\n\n- kept\n")
    return folder


def test_reanalyse_decides_from_per_seed_csv_and_rewrites_the_claims_section(tmp_path):
    better = claims.Better("a beats b", [("a", "b")], "mse")
    folder = _folder(tmp_path, [better])
    assert reanalyse.main([str(folder)]) == 0
    verdicts = json.loads((folder / "verdicts.json").read_text())
    assert verdicts[0]["verdict"] == claims.SUPPORTED
    assert verdicts[0]["tests"][0]["name"].startswith("paired t-test")
    table = (folder / "table.md").read_text()
    assert "SUPPORTED: 'a beats b'" in table and "- kept" in table
    # The claims declared now replace the saved ones, and the section is replaced, not added.
    gray = claims.Better("b beats no colour", [("b", "baseline: no colour (a = b = 0)")], "mse")
    reanalyse.reanalyse(str(folder), [gray])
    table = (folder / "table.md").read_text()
    assert table.count("## The report's claims") == 1 and "a beats b" not in table
    assert "one-sample t-test" in table


def test_reanalyse_names_a_folder_without_per_seed_records(tmp_path, capsys):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"config": {"claims": []}}))
    assert reanalyse.main([str(folder)]) == 1
    assert "per_seed.csv does not exist" in capsys.readouterr().err
