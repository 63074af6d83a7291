"""What a source would give a run, checked before any training (`deepcolor data check`).

For a source spec and a run's split settings: the images per split (after bad files,
dropped grayscale photos and limits), what was left out and why (the layout's gray
copies, masks and metadata; files that cannot be decoded; grayscale photos), files and
exact contents (SHA-1 of the bytes) found in two splits, and the images' resolution.
Two splits that are one set by design (report 003's validation and test) are not
compared. A folder that is not the expected layout raises `layout.LayoutError`.

Files are checked with the numpy path's decoder (PIL), so no TensorFlow is needed,
except for `tfds:` sources, whose encoded images are hashed as TFDS yields them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import statistics
from itertools import combinations
from pathlib import Path
from typing import Dict, List, Optional

from data_pipelines import registry, rules, sample
from data_pipelines.folder import GRAY_CHROMA, SPLITS, select_files
from data_pipelines.layout import content_hashes

MAX_LISTED = 5


@dataclasses.dataclass
class DataCheck:
    source: str
    description: str = ""
    splits: Dict[str, dict] = dataclasses.field(default_factory=dict)  # images, how
    excluded: Dict[str, int] = dataclasses.field(default_factory=dict)  # why -> count
    examples: List[List[str]] = dataclasses.field(default_factory=list)  # [path, why]
    in_two_splits: List[List[str]] = dataclasses.field(default_factory=list)  # [a, b, why]
    resolution: Dict[str, object] = dataclasses.field(default_factory=dict)
    same_set: List[str] = dataclasses.field(default_factory=list)
    settings: Dict[str, object] = dataclasses.field(default_factory=dict)  # limits, fractions

    @property
    def problems(self) -> List[str]:
        if not self.in_two_splits:
            return []
        first = self.in_two_splits[0]
        return [f"{len(self.in_two_splits)} image(s) in two splits, e.g. {first[0]} and "
                f"{first[1]} ({first[2]})"]

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "problems": self.problems}

    def text(self) -> str:
        given = ", ".join(f"{k} {v}" for k, v in self.settings.items() if v is not None)
        lines = [f"source: {self.source}" + (f" ({given})" if given else ""),
                 f"  {self.description}"]
        for split, info in self.splits.items():
            lines.append(f"  {split:<10} {info['images']:>7} images")
        how = next(iter(self.splits.values()), {}).get("how", "")
        lines.append(f"  split: {how}" + (f" ({' = '.join(self.same_set)}, one set by design)"
                                         if self.same_set else ""))
        lines.append("  left out: " + ("; ".join(f"{n} {why}" for why, n in self.excluded.items())
                                       or "nothing"))
        lines += [f"    e.g. {path} ({why})" for path, why in self.examples[:MAX_LISTED]]
        lines.append(f"  in two splits: {len(self.in_two_splits)}")
        lines += [f"    {a} and {b} ({why})" for a, b, why in self.in_two_splits[:MAX_LISTED]]
        if self.resolution:
            sizes = ", ".join(f"{k} {v}" for k, v in self.resolution.items())
            lines.append(f"  resolution: {sizes}")
        return "\n".join(lines)


def _count(check: DataCheck, why: str, n: int = 1) -> None:
    if n:
        check.excluded[why] = check.excluded.get(why, 0) + n


def _resolution(headers) -> Dict[str, object]:
    if not headers:
        return {}
    sizes = sorted({(h.width, h.height) for h in headers})
    sides = [min(h.width, h.height) for h in headers]
    return {"sizes": len(sizes), "smallest": f"{sizes[0][0]}x{sizes[0][1]}",
            "largest": f"{sizes[-1][0]}x{sizes[-1][1]}",
            "median short side": int(statistics.median(sides))}


def _in_two_splits(root: Path, used: Dict[str, list], same) -> List[List[str]]:
    """[path a, path b, why] for each file or content found in two splits."""
    owners: Dict[str, Dict[str, str]] = {}  # digest -> {split: rel}
    for split, entries in used.items():
        for (rel, _, _), digest in zip(entries, content_hashes(root, entries)):
            owners.setdefault(digest, {}).setdefault(split, rel)
    found = []
    for splits in owners.values():
        for a, b in combinations(sorted(splits, key=SPLITS.index), 2):
            if {a, b} <= set(same):
                continue
            why = "the same file" if splits[a] == splits[b] else "identical content"
            found.append([f"{a}:{splits[a]}", f"{b}:{splits[b]}", why])
    return found


def check_files(spec: str, limits: Dict[str, Optional[int]], seed: int, select: dict,
                max_pixels: int = rules.MAX_PIXELS) -> DataCheck:
    source, argument = registry.lookup(spec)
    layout, description = source.open(argument)
    check = DataCheck(spec, description, same_set=list(layout.same))
    for why, n in layout.exclusion_counts().items():
        _count(check, why, n)
    check.examples += [[str(layout.root / rel), why] for rel, why in layout.excluded[:MAX_LISTED]]
    used, all_headers = {}, []
    for split in SPLITS:
        paths, skipped, dropped, how, headers = select_files(
            None, split, limit=limits.get(split), seed=seed, max_pixels=max_pixels,
            decoder="numpy", layout=layout, **select)
        check.splits[split] = {"images": len(paths), "how": how}
        _count(check, f"grayscale photo ({split})", dropped)
        for path, why in skipped:
            _count(check, "unreadable or unusable file")
            check.examples.append([path, why])
        entries = {layout.root / e[0]: e for e in layout.select(
            split, select["validation_fraction"], select["test_fraction"])[0]}
        used[split] = [entries[Path(p)] for p in paths]
        all_headers += headers
    check.in_two_splits = _in_two_splits(layout.root, used, layout.same)
    check.resolution = _resolution(all_headers)
    return check


def check_tfds(spec: str, limits: Dict[str, Optional[int]], select: dict) -> DataCheck:
    from data_pipelines import tfds_source

    check = DataCheck(spec)
    owners: Dict[str, Dict[str, int]] = {}
    for split in SPLITS:
        encoded, count, description = tfds_source.load_encoded(
            spec, split, validation_fraction=select["validation_fraction"],
            test_fraction=select["test_fraction"])
        limit = limits.get(split)
        if limit is not None:
            encoded, count = encoded.take(limit), min(count, limit)
        check.splits[split] = {"images": count, "how": description}
        for index, contents in enumerate(encoded.as_numpy_iterator()):
            owners.setdefault(hashlib.sha1(contents).hexdigest(), {}).setdefault(split, index)
    check.description = f"TensorFlow Datasets {spec[5:]}"
    for splits in owners.values():
        for a, b in combinations(sorted(splits, key=SPLITS.index), 2):
            check.in_two_splits.append([f"{a}:#{splits[a]}", f"{b}:#{splits[b]}",
                                        "identical content"])
    return check


def check_source(spec: str, *, train_limit: Optional[int] = None,
                 eval_limit: Optional[int] = None, seed: int = 0,
                 validation_fraction: float = 0.1, test_fraction: float = 0.1,
                 drop_grayscale: bool = False, gray_threshold: float = GRAY_CHROMA) -> DataCheck:
    """The DataCheck of one source under a run's settings (`DataConfig`'s fields)."""
    limits = {"train": train_limit, "validation": eval_limit, "test": eval_limit}
    select = dict(validation_fraction=validation_fraction, test_fraction=test_fraction,
                  drop_grayscale=drop_grayscale, gray_threshold=gray_threshold)
    source, _ = registry.lookup(spec)
    if source.kind == "tfds":
        check = check_tfds(spec, limits, select)
    elif source.kind == "sample":
        check = DataCheck(spec, "photos shipped inside scikit-image and scikit-learn (a "
                                "stand-in), split by photo")
        for split in SPLITS:
            crops = sample.split_crops(split, seed)[:limits[split]]
            check.splits[split] = {"images": len(crops), "how": "by photo (sample.SPLIT_PHOTOS)"}
    else:
        check = check_files(spec, limits, seed, select)
    check.settings = {"train_limit": train_limit, "eval_limit": eval_limit,
                      "validation_fraction": validation_fraction, "test_fraction": test_fraction,
                      "drop_grayscale": drop_grayscale or None}
    return check
