"""Each report dataset in its published layout (tiny fakes from tests/layout_fakes.py),
read by its source through the real loaders: split sizes, official splits honoured,
no file or identical content in two splits, no gray copy, mask or metadata file as an
image, and a wrong folder failing with one line that names the expected layout."""
import hashlib
from pathlib import Path

import pytest

from data_pipelines import registry
from data_pipelines.arrays import load_arrays
from data_pipelines.check import check_source
from data_pipelines.layout import LayoutError
from data_pipelines.published import deepcolor003
from tests import layout_fakes as fakes

SPLITS = ("train", "validation", "test")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))


def split_files(spec, **options):
    """{split: [path]} as the numpy loader reads them (its SourceReport counts them)."""
    source, argument = registry.lookup(spec)
    layout, _ = source.open(argument)
    out = {}
    for split in SPLITS:
        images, report = load_arrays(spec, split, image_size=8, cache=False, **options)
        entries, _ = layout.select(split, options.get("validation_fraction", 0.1),
                                   options.get("test_fraction", 0.1))
        assert report.num_images == len(images)
        out[split] = [str(layout.root / rel) for rel, _, _ in entries]
        if not options.get("drop_grayscale"):
            assert report.num_images == len(entries)
    return out


def assert_disjoint(splits):
    digests = {s: {hashlib.sha1(Path(p).read_bytes()).hexdigest() for p in paths}
               for s, paths in splits.items()}
    for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
        assert not set(splits[a]) & set(splits[b]), (a, b)
        assert not digests[a] & digests[b], (a, b)


def names_under(splits, folder):
    return {p for paths in splits.values() for p in paths if f"/{folder}/" in p}


def test_fruits360_test_split_is_the_test_folder(tmp_path):
    root = fakes.fruits360(tmp_path / "fruits")
    splits = split_files(f"fruits360:{root}")
    base = root / "fruits-360_dataset" / "fruits-360"
    assert sorted(splits["test"]) == sorted(str(p) for p in (base / "Test").rglob("*.jpg"))
    assert len(splits["train"]) + len(splits["validation"]) == 9
    assert not names_under(splits, "test-multiple_fruits")
    assert_disjoint(splits)


def test_landscapes_use_only_colour_files_as_targets(tmp_path):
    root = fakes.landscapes(tmp_path / "landscapes", n=10)
    splits = split_files(f"landscapes:{root}")
    used = [p for paths in splits.values() for p in paths]
    assert len(used) == 10 and all("/color/" in p for p in used)
    assert_disjoint(splits)
    check = check_source(f"landscapes:{root}")
    assert check.excluded == {"gray copy": 10}


def test_animals_class_folders_by_content_hash(tmp_path):
    root = fakes.animals(tmp_path / "animals", per_class=4)
    splits = split_files(f"animals:{root}")
    assert sum(map(len, splits.values())) == 12 and not any("loose" in p for p in
                                                             splits["train"])
    assert_disjoint(splits)


def test_kaggle_colorization_keeps_its_split_and_drops_black_copies(tmp_path):
    root = fakes.kaggle_colorization(tmp_path / "d1", train=8, test=3)
    splits = split_files(f"kaggle-colorization:{root}")
    assert len(splits["test"]) == 3 and all("/test_color/" in p for p in splits["test"])
    assert len(splits["train"]) + len(splits["validation"]) == 8
    assert not names_under(splits, "train_black") | names_under(splits, "test_black")
    assert_disjoint(splits)


def test_natural_color_dataset_uses_the_colour_folder(tmp_path):
    root = fakes.ncd(tmp_path / "ncd", per_category=3)
    splits = split_files(f"ncd:{root}")
    assert sum(map(len, splits.values())) == 9 and not names_under(splits, "Gray")
    assert_disjoint(splits)


@pytest.mark.parametrize("name", ["coco", "places365", "ade20k"])
def test_scene_datasets_hold_out_their_official_validation_set(tmp_path, name):
    root = getattr(fakes, name)(tmp_path / name, train=6, val=3)
    splits = split_files(f"{name}:{root}")
    assert len(splits["test"]) == 3 and len(splits["train"]) + len(splits["validation"]) == 6
    assert all(any(v in p for v in ("val2017", "val_256", "validation")) for p in splits["test"])
    assert not any(p.endswith(".png") for paths in splits.values() for p in paths)
    assert_disjoint(splits)


def test_places365_flat_val_256_alone_is_split_by_content(tmp_path):
    root = fakes.places365(tmp_path / "places", val=10, flat_only=True)
    splits = split_files(f"places365:{root}")
    assert [len(splits[s]) for s in SPLITS] == [8, 1, 1]
    assert_disjoint(splits)


def test_deepcolor003_draws_its_per_dataset_counts_and_scores_on_validation(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(deepcolor003, "PER_DATASET", {"train": 4, "validation": 2})
    root = tmp_path / "deepcolor003"
    fakes.coco(root / "coco", train=6, val=3)
    fakes.places365(root / "places365", val=8, flat_only=True)
    fakes.ade20k(root / "ade20k", train=5, val=3)
    splits = split_files(f"deepcolor003:{root}")
    assert [len(splits[s]) for s in SPLITS] == [12, 6, 6]
    assert splits["validation"] == splits["test"]  # the report scores on validation
    assert_disjoint({"train": splits["train"], "validation": splits["validation"], "test": []})
    for name in ("coco", "places365", "ade20k"):
        assert sum(f"/{name}/" in p for p in splits["train"]) == 4
    assert not any(p.endswith(".png") for p in splits["train"] + splits["test"])
    check = check_source(f"deepcolor003:{root}")
    assert check.in_two_splits == [] and check.same_set == ["validation", "test"]


def test_mirflickr_drops_grayscale_photos_and_ignores_metadata(tmp_path):
    root = fakes.mirflickr(tmp_path / "mirflickr25k", n=12, grays=2)
    splits = split_files(f"mirflickr25k:{root}", drop_grayscale=True)
    assert sum(map(len, splits.values())) == 12 and not names_under(splits, "meta")
    check = check_source(f"mirflickr25k:{root}", drop_grayscale=True)
    used = sum(info["images"] for info in check.splits.values())
    gray = sum(n for why, n in check.excluded.items() if why.startswith("grayscale"))
    assert (used, gray) == (10, 2)
    assert check.excluded["not a MIRFLICKR photo (meta/, doc/ or other)"] == 1


def test_flowers_setid_mat_gives_the_official_split(tmp_path):
    root = fakes.flowers102(tmp_path / "flowers")
    splits = split_files(f"flowers102:{root}")
    ids = {s: sorted(int(Path(p).stem[-5:]) for p in paths) for s, paths in splits.items()}
    assert ids == {"train": [1, 2, 3], "validation": [4, 5], "test": [6, 7, 8, 9]}
    check = check_source(f"flowers102:{root}")
    assert check.excluded == {"in no setid.mat list": 1, "not a flower photo (segmim/)": 1}


def test_cifar10_python_pickles_keep_the_official_test_batch(tmp_path):
    root = fakes.cifar10_python(tmp_path / "cifar", per_batch=2)
    splits = split_files(f"cifar10-python:{root}", validation_fraction=0.2)
    assert [len(splits[s]) for s in SPLITS] == [8, 2, 2]
    assert all("test_batch_" in Path(p).name for p in splits["test"])
    images, _ = load_arrays(f"cifar10-python:{root}", "test", image_size=32, cache=False,
                            as_uint8=True)
    assert images.shape == (2, 32, 32, 3)


@pytest.mark.parametrize("name,fake", [
    ("fruits360", "landscapes"), ("landscapes", "fruits360"), ("animals", "mirflickr"),
    ("animals", "landscapes"),
    ("kaggle-colorization", "ncd"), ("ncd", "coco"), ("coco", "ade20k"),
    ("places365", "coco"), ("ade20k", "mirflickr"), ("mirflickr25k", "coco"),
    ("flowers102", "fruits360"), ("cifar10-python", "coco"), ("deepcolor003", "coco")])
def test_a_wrong_layout_fails_with_one_line_naming_the_expected_one(tmp_path, name, fake):
    root = getattr(fakes, fake)(tmp_path / "wrong")
    with pytest.raises(LayoutError) as error:
        load_arrays(f"{name}:{root}", "train", image_size=8, cache=False)
    message = str(error.value)
    assert "\n" not in message and "expected" in message
    assert registry.SOURCES[name].what in message


def test_folder_source_on_fruits360_would_mix_test_into_training(tmp_path):
    """Why fruits360 exists: the generic folder source hash-splits Training/ and Test/
    together (it knows only lower-case train/ and test/)."""
    root = fakes.fruits360(tmp_path / "fruits", train=(20, 20), test=(10, 10))
    train = split_files(f"folder:{root}")["train"]
    assert any("/Test/" in p for p in train)
