"""More training photos (issue 24): the `photos-plus` source, the builder's exclusion of
the held-out set, and the paired comparison of recipes (benchmarks.heldout_compare).
Generated images only: no Debian package, no real photo."""
import csv

import pytest
from PIL import Image

from benchmarks import heldout_compare as compare
from benchmarks import heldout_photos as heldout
from benchmarks import photo_filter
from benchmarks import training_photos as builder
from data_pipelines import DataSourceError, load_images, photos_plus
from data_pipelines.arrays import load_arrays
from deepcolor.errors import UsageError
from tests.test_data_pipelines_photos import (FRACTIONS, SPLITS, _photo,  # noqa: F401
                                              _private_data_dir, fake_photos_tar)
from tests.test_heldout_benchmark import SOURCE, package, photo_like  # noqa: F401


def _extra_photos(count=4):
    folder = photos_plus.data_dir() / photos_plus.EXTRA_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        _photo(90, 120, 200 + i).save(folder / f"extra__p{i}.jpg", quality=92)
    return folder


def test_photos_plus_adds_extra_photos_to_train_only(fake_photos_tar):
    _extra_photos(4)
    plain = {s: load_images("photos", s, image_size=32, **FRACTIONS)[1] for s in SPLITS}
    plus = {s: load_images("photos-plus", s, image_size=32, **FRACTIONS)[1] for s in SPLITS}
    assert plus["train"].num_images == plain["train"].num_images + 4
    for split in ("validation", "test"):  # scored on exactly the photos' photos
        assert plus[split].num_images == plain[split].num_images
    images, _ = load_images("photos-plus", "test", image_size=32, as_uint8=True, **FRACTIONS)
    reference, _ = load_images("photos", "test", image_size=32, as_uint8=True, **FRACTIONS)
    assert [a.numpy().tobytes() for a in images] == [b.numpy().tobytes() for b in reference]
    assert "4 training photos" in plus["train"].description


def test_photos_plus_reads_the_same_on_the_numpy_path(fake_photos_tar):
    _extra_photos(3)
    arrays = load_arrays("photos-plus", "train", image_size=16, **FRACTIONS)
    tf_count = load_images("photos-plus", "train", image_size=16, **FRACTIONS)[1].num_images
    assert len(arrays[0]) == tf_count


def test_photos_plus_without_extra_photos_is_one_line(fake_photos_tar):
    with pytest.raises(DataSourceError) as error:
        load_images("photos-plus", "train", image_size=32)
    assert "benchmarks.training_photos" in str(error.value) and "\n" not in str(error.value)


def test_builder_leaves_out_held_out_photos_and_packages(package, tmp_path, monkeypatch):
    held = tmp_path / "held"
    held.mkdir()
    sunny = Image.open(package / SOURCE.folders[0] / "sunny.jpg").convert("RGB")
    sunny.resize((360, 270)).save(held / "x__sunny.jpg", quality=80)  # a near-duplicate
    monkeypatch.setattr(heldout, "known_photos", lambda path: ({"real-pkg"}, set(), []))
    known = builder.excluded(held)
    assert {"real-pkg", *(s.package for s in heldout.SOURCES)} <= known[0]
    built = heldout.build({SOURCE.package: (package, "1.0-1")}, tmp_path / "o", known,
                          sources=[SOURCE], eye={})
    assert "fake-wallpapers__sunny.jpg" not in [r["file"] for r in built.rows]
    assert "fake-wallpapers__big.jpg" in [r["file"] for r in built.rows]
    with pytest.raises(UsageError, match="held-out photos"):
        builder.excluded(tmp_path / "empty")


def test_sources_share_no_package_with_the_held_out_set():
    assert not {s.package for s in builder.SOURCES} & {s.package for s in heldout.SOURCES}
    assert photo_filter.judge(photo_like(3)) is None  # the same filter decides both sets


def _per_seed(folder, values):
    """A colorizer_heldout per_seed.csv: {(set, seed): ciede2000}."""
    folder.mkdir(parents=True)
    with open(folder / "per_seed.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seed", "variant", "set", "ciede2000", "share_beating_gray",
                         "colourfulness_ratio"])
        for (name, seed), value in values.items():
            writer.writerow([f"run/02-x-seed{seed}", "plain", name, value, 0.5, 0.5])
    return folder


def test_recipes_are_compared_paired_by_seed_with_holm(tmp_path):
    from scipy import stats

    control = {("test", 0): 10.0, ("test", 1): 11.0, ("test", 2): 12.5, ("heldout", 0): 14.0,
               ("heldout", 1): 13.0, ("heldout", 2): 15.0}
    recipe = {key: value - 1.0 - 0.1 * key[1] for key, value in control.items()}
    recipe[("test", 7)] = 1.0  # no control seed 7: not paired
    out = tmp_path / "out"
    compare.main(["--control", f"c={_per_seed(tmp_path / 'c', control)}",
                  "--recipe", f"r={_per_seed(tmp_path / 'r', recipe)}", "--out", str(out)])
    text = (out / "table.md").read_text()
    expected = stats.ttest_rel([recipe[("test", s)] for s in range(3)],
                               [control[("test", s)] for s in range(3)])
    row = next(line for line in text.splitlines() if "| r | test | plain | CIEDE2000" in line)
    assert f"{expected.pvalue:.3g}" in row and "recipe lower" in row
    assert "share of photos beating gray" in text  # equal: undecided, never "higher"
    with open(out / "pairs.csv", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    assert {p["seed"] for p in pairs} == {"0", "1", "2"}
    with pytest.raises(UsageError, match="per_seed.csv"):
        compare.main(["--control", f"c={tmp_path / 'none'}", "--recipe", f"r={out}",
                      "--out", str(out)])
