"""A dataset as it ships: which files are images of which split, and what is left out.

A `Layout` is what a published-layout source (`data_pipelines.published`) finds in a
folder: `pools` of image files per split (`train`, `validation`, `test`, or one `all`
pool), the files it `excluded` with the reason (gray copies, annotation masks,
metadata, files outside the official split), and `how` the split was made.

`Layout.select` gives one split's files. A split the dataset does not define is
carved from `train` (validation) or from `all` (test, then validation), by a hash
of the file's CONTENT when `carve == "content"` (exact duplicates always land in
the same split) or of its relative path (`folder:`, whose splits predate this).
Both are deterministic, independent of the training seed and give exact counts.

A folder that is not the layout a source expects raises `LayoutError`: one line
naming the layout it expects.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from data_pipelines.folder import (EXTENSIONS, FileEntry, _carve, check_split, list_images,
                                   split_entries)
from data_pipelines.paths import data_dir
from data_pipelines.report import DataSourceError

HELD_OUT = ("validation", "test")


class LayoutError(DataSourceError):
    """The folder is not laid out as the source expects (the message names the layout)."""

    def __init__(self, source: str, root, expected: str, found: str = ""):
        detail = f" ({found})" if found else ""
        super().__init__(f"{source}: {root} is not the expected layout{detail}; "
                         f"expected {expected}")


@dataclasses.dataclass
class Layout:
    root: Path
    pools: Dict[str, List[FileEntry]]  # train/validation/test, or all
    excluded: List[Tuple[str, str]] = dataclasses.field(default_factory=list)  # (rel, why)
    how: str = ""
    carve: str = "content"  # or "path"
    # Splits that are one set by design (report 003 scores on its validation images).
    same: Tuple[str, ...] = ()

    def select(self, split: str, validation_fraction: float, test_fraction: float
               ) -> Tuple[List[FileEntry], str]:
        """The entries of one split and a few words on how the splits were made."""
        check_split(split)
        if not (0 <= validation_fraction < 1 and 0 <= test_fraction < 1
                and validation_fraction + test_fraction < 1):
            raise DataSourceError(f"validation_fraction {validation_fraction} and "
                                  f"test_fraction {test_fraction} must be in [0, 1) and sum "
                                  f"below 1")
        pools = dict(self.pools)
        if "all" in pools:
            test, validation, train = self._carve(pools.pop("all"),
                                                  [test_fraction, validation_fraction])
            pools.update(train=train, validation=validation, test=test)
            how = (f"{self.how}; split by {self.carve} hash: {len(train)}/{len(validation)}/"
                   f"{len(test)} train/validation/test")
        elif "validation" not in pools:
            validation, train = self._carve(pools["train"], [validation_fraction])
            pools.update(train=train, validation=validation)
            how = (f"{self.how}; validation {len(validation)} of {len(train) + len(validation)} "
                   f"train images carved by {self.carve} hash")
        else:
            how = self.how
        return pools[split], how

    def _carve(self, entries: List[FileEntry], fractions: List[float]):
        if self.carve == "path":
            return _carve(entries, fractions)
        return carve_by_content(self.root, entries, fractions)

    def exclusion_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for _, why in self.excluded:
            counts[why] = counts.get(why, 0) + 1
        return counts


class FolderLayout(Layout):
    """`folder:PATH` (and the archives read as one): the rules of `folder.split_entries`,
    unchanged: train/ and test/ folders if present, else a path-hash split."""

    def select(self, split, validation_fraction, test_fraction):
        return split_entries(self.pools["all"], split, validation_fraction, test_fraction)


def folder_layout(root, spec: str) -> FolderLayout:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataSourceError(f"{spec}: no such folder (give a folder of JPEG, PNG, BMP or "
                              f"GIF images, or use `sample` or `cifar10-jpg`)")
    entries = list_images(root)
    if not entries:
        raise DataSourceError(f"{spec}: no {'/'.join(EXTENSIONS)} files found in {root}")
    return FolderLayout(root, {"all": entries}, carve="path")


def carve_by_content(root: Path, entries: List[FileEntry], fractions: Sequence[float]
                     ) -> List[List[FileEntry]]:
    """Cut entries into len(fractions) parts and the rest, ranked by content hash.

    Files with the same content are one unit, so they always share a split; counts
    are exact in units of distinct content."""
    digests = content_hashes(root, entries)
    groups: Dict[str, List[FileEntry]] = {}
    for entry, digest in zip(entries, digests):
        groups.setdefault(digest, []).append(entry)
    ranked = sorted(groups)
    parts, start = [], 0
    for fraction in fractions:
        count = int(round(fraction * len(ranked)))
        parts.append([e for d in ranked[start:start + count] for e in groups[d]])
        start += count
    return parts + [[e for d in ranked[start:] for e in groups[d]]]


def _cache_file(root: Path) -> Path:
    key = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return data_dir() / "content-hashes" / f"{key}.json"


def content_hashes(root: Path, entries: Sequence[FileEntry]) -> List[str]:
    """SHA-1 of each file's bytes, cached per file (keyed by size and mtime) in the data
    folder, so a second run reads no image twice."""
    path = _cache_file(root)
    try:
        cache = json.loads(path.read_text())
    except (OSError, ValueError):
        cache = {}
    out, changed = [], False
    for rel, size, mtime in entries:
        known = cache.get(rel)
        if known and known[0] == size and known[1] == mtime:
            out.append(known[2])
            continue
        digest = hashlib.sha1()
        with open(Path(root) / rel, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        cache[rel] = [size, mtime, digest.hexdigest()]
        out.append(cache[rel][2])
        changed = True
    if changed:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cache))
            os.replace(tmp, path)
        except OSError:  # a read-only data folder costs a re-hash next time, nothing else
            pass
    return out


# --------------------------------------------------------------- helpers for sources

def find_root(root, has: Iterable[str], depth: int = 2) -> Optional[Path]:
    """`root`, or the one folder up to `depth` levels below it, that holds every one of
    `has` (archives unpack into wrapper folders: fruits-360_dataset/fruits-360/)."""
    root = Path(root).expanduser()
    wanted = list(has)
    level = [root]
    for _ in range(depth + 1):
        hits = [f for f in level if all((f / name).exists() for name in wanted)]
        if len(hits) == 1:
            return hits[0]
        level = [c for f in level if f.is_dir() for c in sorted(f.iterdir())
                 if c.is_dir() and not c.name.startswith(".")]
    return None


def require_root(source: str, root, has: Sequence[str], expected: str) -> Path:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise LayoutError(source, root, expected, "no such folder")
    found = find_root(root, has)
    if found is None:
        listing = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))[:8]
        raise LayoutError(source, root, expected, f"found {', '.join(listing) or 'nothing'}")
    return found


def images_in(root: Path, sub: str = "") -> List[FileEntry]:
    """Image files under root/sub (recursive), with paths relative to `root`."""
    base = Path(root) / sub if sub else Path(root)
    if not base.is_dir():
        return []
    prefix = f"{Path(sub).as_posix()}/" if sub else ""
    return [(prefix + rel, size, mtime) for rel, size, mtime in list_images(base)]


def is_image_name(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)


def class_folders(root: Path, sub: str = "") -> List[str]:
    base = Path(root) / sub if sub else Path(root)
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
