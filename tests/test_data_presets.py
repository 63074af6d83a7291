"""Each paper preset on a tiny fake of its dataset: the preset's own data loading
(`deepcolor.train.data.load_splits`, the runner's call) and `deepcolor data check
--preset` agree on the split sizes, and the runner checks the data before training
(a wrong layout stops it with one line; a good one lands in config.json)."""
import dataclasses
import json

import pytest

from deepcolor.cli import main as cli
from deepcolor.train import data as train_data, runner
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment
from data_pipelines.published import deepcolor003
from tests import layout_fakes as fakes


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))
    monkeypatch.setattr(deepcolor003, "PER_DATASET", {"train": 4, "validation": 2})


def _deepcolor003(root):
    fakes.coco(root / "coco", train=6, val=3)
    fakes.places365(root / "places365", train=6, val=3)
    fakes.ade20k(root / "ade20k", train=6, val=3)
    return root


CASES = [  # experiment, dataset label (None: the preset's only one), fake
    ("koalarization", "Fruits", fakes.fruits360),
    ("koalarization", "Landscapes", lambda r: fakes.landscapes(r, n=12)),
    ("koalarization", "Animals", fakes.animals),
    ("unet_cnn_cgan", "dataset 1 (5000 varied images)", fakes.kaggle_colorization),
    ("unet_cnn_cgan", "dataset 2 (Natural-Color Dataset, 723 images)",
     lambda r: fakes.ncd(r, per_category=4)),
    ("deepcolor003", None, _deepcolor003),
    ("dilated_unet", None, lambda r: fakes.mirflickr(r, n=30, grays=3)),
]


@pytest.mark.parametrize("experiment,label,fake", CASES)
def test_the_preset_loads_what_the_check_reports(tmp_path, capsys, experiment, label, fake):
    import importlib

    root = fake(tmp_path / "dataset")
    config = importlib.import_module(f"experiments.{experiment}").EXPERIMENT.config("paper")
    run = next(r for r in config.runs if label is None or r.data.label == label)
    kind = run.data.source.partition(":")[0]
    run = dataclasses.replace(run, data=dataclasses.replace(
        run.data, source=f"{kind}:{root}", image_size=8))
    loaded = {split: report.num_images
              for split, (_, report) in train_data.load_splits(run, config.seed).items()}
    argv = ["data", "check", "--preset", f"{experiment}:paper", str(root), "--json"]
    assert cli(argv + (["--dataset", label] if label else [])) == 0
    checks = json.loads(capsys.readouterr().out)
    assert {s: info["images"] for s, info in checks[0]["splits"].items()} == loaded
    assert all(check["in_two_splits"] == [] for check in checks)


def _experiment(source):
    def get_config(preset):
        data = DataConfig(source=source, image_size=16, label="fake")
        return ExperimentConfig("fake", preset, "001", "Fake", [
            RunConfig("baseline", "baseline001", data, batch_size=4, epochs=1)])
    return Experiment("fake", "tests.fake", "A fake.", {"paper": "fake"}, get_config)


def test_the_runner_checks_the_data_before_training(tmp_path, capsys):
    args = ["--preset", "paper", "--results-dir", str(tmp_path / "results"),
            "--runs-dir", str(tmp_path / "runs")]
    wrong = fakes.ncd(tmp_path / "ncd")
    assert runner.main(_experiment(f"landscapes:{wrong}"), args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "color/*.jpg beside gray/*.jpg" in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("*.keras"))
    root = fakes.landscapes(tmp_path / "landscapes", n=12)
    assert runner.main(_experiment(f"landscapes:{root}"), args) == 0
    saved = json.loads((tmp_path / "results" / "fake" / "paper" / "config.json").read_text())
    [check] = saved["config"]["data_checks"]
    assert check["excluded"] == {"gray copy": 12} and check["problems"] == []
