"""`deepcolor003:PATH` (report 003): 5,000 images from each of COCO, Places365 and
ADE20K, 4,000 to train and 1,000 to validate each (12,000 / 3,000), as the report did.

PATH holds `coco/`, `places365/` and `ade20k/`, each as published (`scenes`). The
1,000 come from the dataset's official validation set and the 4,000 from its
training set, so no image crosses them; each draw is the first N by a hash of the
file's path (a fixed, seed-independent subset). A dataset with only one of its two
folders is split by content hash instead. The report scores on its validation
images, so the test split IS the validation split (`Layout.same`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from data_pipelines.layout import Layout, LayoutError, carve_by_content
from data_pipelines.published.scenes import KINDS
from data_pipelines.report import DataSourceError

NAME = "deepcolor003"
EXPECTED = ("report 003's data: coco/ (train2017/, val2017/), places365/ (data_256/ or "
            "train/, val_256/) and ade20k/ (images/training/, images/validation/)")
# Per dataset (report 003, section III); tests shrink them.
PER_DATASET = {"train": 4000, "validation": 1000}


def _first(entries, count):
    return sorted(entries, key=lambda e: hashlib.sha1(e[0].encode()).digest())[:count]


def _draw(kind, folder: Path):
    found = kind.official(folder)
    want_train, want_val = PER_DATASET["train"], PER_DATASET["validation"]
    if found.train and found.held_out:
        train, held = _first(found.train, want_train), _first(found.held_out, want_val)
    else:
        pool = found.train or found.held_out
        fraction = want_val / max(len(pool), 1)
        held, rest = carve_by_content(found.root, pool, [min(fraction, 0.99)])
        train = rest[:want_train]
    if len(train) < want_train or len(held) < want_val:
        raise DataSourceError(f"{NAME}: {kind.NAME} has {len(train)} training and {len(held)} "
                              f"validation images; the report draws {want_train} and "
                              f"{want_val} ({found.how})")
    return found, train, held


def open_layout(path) -> Layout:
    root = Path(path).expanduser()
    missing = [kind.NAME for kind in KINDS if not (root / kind.NAME).is_dir()]
    if missing:
        raise LayoutError(NAME, root, EXPECTED, f"no {', '.join(m + '/' for m in missing)}")
    pools = {"train": [], "validation": []}
    excluded, hows = [], []
    for kind in KINDS:
        found, train, held = _draw(kind, root / kind.NAME)
        prefix = found.root.relative_to(root).as_posix() + "/"
        pools["train"] += [(prefix + rel, s, m) for rel, s, m in train]
        pools["validation"] += [(prefix + rel, s, m) for rel, s, m in held]
        excluded += [(prefix + rel, why) for rel, why in found.excluded]
        hows.append(f"{len(train)}/{len(held)} from {found.how}")
    pools["test"] = pools["validation"]
    return Layout(root, pools, excluded, "; ".join(hows) + "; test = validation (as the report)",
                  same=("validation", "test"))
