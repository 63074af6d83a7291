"""benchmarks.rescore: a finished run's kept models, scored again, give back the stored
numbers and fill in a metric the run did not record."""
import pandas as pd

from benchmarks import rescore
from deepcolor.train import runner
from tests import tiny_experiment


def test_rescore_restores_a_missing_metric_with_the_stored_values(tmp_path):
    argv = ["--preset", "nobn", "--epochs", "1", "--seeds", "0,1", "--results-dir",
            str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")]
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 0
    folder = tmp_path / "results" / "tiny" / "nobn"
    stored = pd.read_csv(folder / "per_seed.csv")
    stored.drop(columns=["red_share"]).to_csv(folder / "per_seed.csv", index=False)
    run_root = next((tmp_path / "runs" / "tiny" / "nobn").iterdir())
    lines = []
    assert rescore.rescore(str(run_root), str(folder), log=lines.append) == 2
    assert all("reproduced within 0.0e+00" in line for line in lines), lines
    again = pd.read_csv(folder / "per_seed.csv")
    assert list(again["red_share"]) == list(stored["red_share"])
