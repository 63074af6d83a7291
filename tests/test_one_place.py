"""The "one place" promises of the README's layout section (issue 20): a new metric is
one entry in deepcolor/train/metric_table.py, a new data source one entry in
data_pipelines/registry.py. Each test adds a toy one there, and only there, and finds it
everywhere it should appear."""
import json

import numpy as np
import pytest
from PIL import Image

from deepcolor.train import claims, loop, metric_table, results
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

TOY = "toy_blueness"


def _blueness(prediction, done):
    """The toy metric: the mean of the predicted blue channel."""
    return float(np.mean(prediction.pred_rgb[..., 2]))


@pytest.fixture
def toy_metric(monkeypatch):
    table = dict(metric_table.METRICS)
    table[TOY] = metric_table.Metric(metric_table.HIGHER, True, "mean predicted blue",
                                     _blueness, column="blueness",
                                     summary=metric_table.MEAN_INTERVAL, across_models=True)
    monkeypatch.setattr(metric_table, "METRICS", table)


def _run_result(name: str, blue: float, seed: int) -> loop.RunResult:
    """A finished run whose metrics come from the metric table's own `score`."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 1, (2, 16, 16, 3)).astype("float32")
    pred = truth.copy()
    pred[..., 2] = np.clip(blue + rng.normal(0, 0.01, pred.shape[:-1]), 0, 1)
    scores = metric_table.score(metric_table.Prediction(truth, pred, truth[..., 1:], pred[..., 1:]))
    history = {"epoch": [0, 1], "loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
    samples = {"gray": truth[..., :1], "truth": truth, "prediction": pred}
    return loop.RunResult(name, scores, history, "", None, {"train": {"num_images": 2}},
                          samples)


def test_a_metric_added_in_the_table_reaches_scores_claims_and_tables(toy_metric, tmp_path):
    data = DataConfig(source="sample", image_size=8, label="toy")
    runs = [RunConfig("bluer", "unet000_simple_rgb", data),
            RunConfig("greyer", "unet000_simple_rgb", data)]
    claim = claims.Better("the bluer run is bluer", [("bluer", "greyer")], TOY)
    config = ExperimentConfig("toy", "default", "beyond", "Toy", runs, seeds=[0, 1, 2],
                              claims=[claim], stand_in="toy numbers")
    claims.check(config.claims, [run.name for run in runs])  # the claim knows the metric
    outcome = {"bluer": [_run_result("bluer", 0.8, s) for s in range(3)],
               "greyer": [_run_result("greyer", 0.3, s + 10) for s in range(3)]}
    assert outcome["bluer"][0].metrics[TOY] == pytest.approx(0.8, abs=0.01)
    experiment = Experiment("toy", "tests.test_one_place", "toy", {"default": ""},
                            lambda preset: config)
    env = {"hardware": "test", "platform": "test", "date": "today"}
    results.write(experiment, config, outcome, str(tmp_path), "runs/toy", env, "float32",
                  "pytest")
    verdict = json.loads((tmp_path / "verdicts.json").read_text())[0]
    assert verdict["verdict"] == claims.SUPPORTED
    assert "bluer vs greyer: difference 0.5" in verdict["evidence"]  # 0.8 - 0.3 blue
    table = (tmp_path / "table.md").read_text()
    header = next(line for line in table.splitlines() if line.startswith("| run |"))
    assert "| blueness |" in header and "| blueness 95% CI |" in header
    assert "`blueness`: mean predicted blue" in table
    assert TOY in (tmp_path / results.PER_SEED_CSV).read_text().splitlines()[0]


def test_the_leaderboard_columns_come_from_the_table(toy_metric):
    assert "blueness" in [metric_table.column(m)
                          for m in metric_table.table_metrics(across_models=True)]
    assert "mse" not in metric_table.table_metrics(across_models=True)  # own target space


def test_an_unknown_metric_names_the_one_file_to_edit():
    with pytest.raises(KeyError, match="deepcolor/train/metric_table.py"):
        metric_table.lookup("no_such_metric")


# ---------------------------------------------------------------- a toy data source

@pytest.fixture
def toy_source(tmp_path, monkeypatch):
    from data_pipelines import registry
    from data_pipelines.layout import folder_layout

    folder = tmp_path / "toy_photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(20):
        pixels = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:02d}.png")
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))
    monkeypatch.setitem(registry.SOURCES, "toy", registry.Source(
        "toy", "files", "twenty noise images", False,
        lambda _: (folder_layout(folder, "toy"), "toy: twenty noise images")))
    return folder


def test_a_source_added_in_the_registry_loads_on_both_data_paths(toy_source):
    import data_pipelines
    from data_pipelines.arrays import load_arrays

    for split in ("train", "validation", "test"):
        dataset, tf_report = data_pipelines.load_images("toy", split, image_size=8,
                                                        cache=False)
        arrays, np_report = load_arrays("toy", split, image_size=8, cache=False)
        from_tf = np.stack(list(dataset.as_numpy_iterator()))
        assert tf_report.num_images == np_report.num_images == len(arrays) > 0
        np.testing.assert_allclose(from_tf, arrays, atol=1 / 255)
    total = sum(load_arrays("toy", s, image_size=8, cache=False)[1].num_images
                for s in ("train", "validation", "test"))
    assert total == 20


def test_the_source_lists_in_messages_name_the_new_source(toy_source):
    from data_pipelines import registry

    assert "toy" in registry.names() and "toy" in registry.names(tf_data=False)
