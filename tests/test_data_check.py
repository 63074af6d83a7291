"""`deepcolor data check` and the runner's check before training: what it prints, its
exit status (0 fine, 1 an image in two splits, 2 a wrong layout with one line), the
TFDS routes under tfds.testing.mock_data, and the one source registry."""
import dataclasses
import json
import shutil

import pytest

from data_pipelines import arrays, registry
from data_pipelines.check import check_source
from deepcolor.cli import main as cli
from deepcolor.train import datacheck
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from tests import layout_fakes as fakes


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))
    monkeypatch.delenv("DEEPCOLOR_ALLOW_DUPLICATES", raising=False)


def _leaky_fruits(tmp_path):
    """Fruits-360 whose Test/ holds a byte copy of a Training/ image."""
    root = fakes.fruits360(tmp_path / "fruits")
    base = root / "fruits-360_dataset" / "fruits-360"
    shutil.copy(base / "Training" / "Banana" / "0_100.jpg", base / "Test" / "Banana" / "x.jpg")
    return root


def test_check_prints_splits_exclusions_and_resolution(tmp_path, capsys):
    root = fakes.landscapes(tmp_path / "landscapes", n=10)
    status = cli(["data", "check", "--preset", "koalarization:paper", "--dataset",
                  "Landscapes", str(root)])
    out = capsys.readouterr().out
    assert status == 0
    assert "train            8 images" in out and "test             1 images" in out
    assert "left out: 10 gray copy" in out and "in two splits: 0" in out
    assert "smallest 24x20" in out


def test_check_json_matches_the_loaders_counts(tmp_path, capsys):
    root = fakes.coco(tmp_path / "coco", train=6, val=3)
    assert cli(["data", "check", "--source", f"coco:{root}", "--json"]) == 0
    [check] = json.loads(capsys.readouterr().out)
    for split, info in check["splits"].items():
        _, report = arrays.load_arrays(f"coco:{root}", split, image_size=8, cache=False)
        assert info["images"] == report.num_images
    assert check["problems"] == []


def test_an_image_in_two_splits_is_an_error_unless_allowed(tmp_path, capsys):
    root = _leaky_fruits(tmp_path)
    check = check_source(f"fruits360:{root}")
    assert len(check.in_two_splits) == 1 and check.in_two_splits[0][2] == "identical content"
    args = ["data", "check", "--source", f"fruits360:{root}"]
    assert cli(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "in two splits" in err
    assert cli(args + ["--allow-duplicates"]) == 0


def test_a_wrong_layout_exits_2_with_one_line_naming_the_expected_layout(tmp_path, capsys):
    root = fakes.landscapes(tmp_path / "landscapes")
    status = cli(["data", "check", "--preset", "koalarization:paper", "--dataset", "Fruits",
                  str(root)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1
    assert "Training/<class>/*.jpg and Test/<class>/*.jpg" in err and "Traceback" not in err


def test_misuse_is_one_line_and_status_2(tmp_path, capsys):
    assert cli(["data", "check", "--preset", "koalarization:paper", str(tmp_path)]) == 2
    assert "--dataset" in capsys.readouterr().err
    assert cli(["data", "check", "--preset", "no_such_experiment:paper"]) == 2
    assert cli(["data", "check"]) == 2
    assert cli(["data", "check", "--source", "fruits360"]) == 2  # no PATH
    assert "expected fruits360:PATH" in capsys.readouterr().err
    assert cli(["data"]) == 2


def _config(source, **data):
    run = RunConfig("r", "unet000", DataConfig(source=source, image_size=8, **data))
    return ExperimentConfig("x", "paper", "000", "x", [run, dataclasses.replace(run, name="s")])


def test_the_runner_check_goes_into_the_config_and_stops_a_leak(tmp_path, monkeypatch):
    root = fakes.mirflickr(tmp_path / "mirflickr25k", n=12, grays=2)
    config = datacheck.checked(_config(f"mirflickr25k:{root}", drop_grayscale=True), print)
    [check] = config.data_checks  # two runs, one data setting: checked once
    assert json.loads(config.to_json())["data_checks"][0]["splits"] == check["splits"]
    leaky = _config(f"fruits360:{_leaky_fruits(tmp_path)}")
    with pytest.raises(ValueError, match="in two splits"):
        datacheck.checked(leaky, print)
    monkeypatch.setenv("DEEPCOLOR_ALLOW_DUPLICATES", "1")
    assert datacheck.checked(leaky, print).data_checks[0]["problems"]


def test_every_paper_preset_reads_a_published_layout():
    from experiments import deepcolor003, dilated_unet, koalarization, unet_cnn_cgan

    kinds = {module.__name__: {run.data.source.partition(":")[0]
                               for run in module.EXPERIMENT.config("paper").runs}
             for module in (deepcolor003, dilated_unet, koalarization, unet_cnn_cgan)}
    assert kinds == {"experiments.deepcolor003": {"deepcolor003"},
                     "experiments.dilated_unet": {"mirflickr25k"},
                     "experiments.koalarization": {"fruits360", "landscapes", "animals"},
                     "experiments.unet_cnn_cgan": {"kaggle-colorization", "ncd"}}


def test_every_source_list_comes_from_the_registry():
    from data_pipelines import pipeline

    assert pipeline.SOURCES == registry.names()
    assert arrays.SOURCES == registry.names(tf_data=False)
    for name in registry.SOURCES:
        assert registry.SOURCES[name].usage in registry.names()
    with pytest.raises(ValueError, match="fruits360:PATH"):
        registry.lookup("no-such-source:x")


def test_both_data_paths_read_a_layout_alike(tmp_path):
    import numpy as np

    from data_pipelines import load_images

    root = fakes.kaggle_colorization(tmp_path / "d1", train=8, test=3)
    for split in ("train", "test"):
        images, report = load_images(f"kaggle-colorization:{root}", split, image_size=16,
                                     cache=False, as_uint8=True)
        array, numpy_report = arrays.load_arrays(f"kaggle-colorization:{root}", split,
                                                 image_size=16, cache=False, as_uint8=True)
        assert report.num_images == numpy_report.num_images == len(array)
        diff = np.abs(np.stack(list(images.as_numpy_iterator())).astype(int) - array)
        assert diff.max() <= 1  # the two decoders agree within one level


# ------------------------------------------------------------------- TFDS routes

@pytest.mark.parametrize("name", ["cifar10", "oxford_flowers102"])
def test_tfds_routes_load_and_check_through_the_real_loader(tmp_path, monkeypatch, name):
    tfds = pytest.importorskip("tensorflow_datasets")
    from data_pipelines import load_images

    monkeypatch.setattr("data_pipelines.tfds_source._online", lambda: True)
    with tfds.testing.mock_data(num_examples=4, data_dir=str(tmp_path)):
        loaded = {split: load_images(f"tfds:{name}", split, image_size=8, cache=False,
                                     validation_fraction=0.2, test_fraction=0.1)[1].num_images
                  for split in ("train", "validation", "test")}
        check = check_source(f"tfds:{name}", validation_fraction=0.2, test_fraction=0.1)
    # The mock writes 4 examples to each split it is asked for, with no split metadata.
    assert {s: info["images"] for s, info in check.splits.items()} == loaded
    assert loaded == {"train": 4, "validation": 4, "test": 4}
    assert check.description == f"TensorFlow Datasets {name}"
