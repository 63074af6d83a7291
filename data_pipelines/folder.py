"""`folder:PATH`: image files under a folder, split, ordered, validated.

Files are found recursively by extension (.jpg .jpeg .png .bmp .gif, any case; the
content decides the decoder); other files and hidden ones are ignored, not reported.

Splits: if the folder has `train/` and `test/` subfolders they are the splits (a
`validation/` or `val/` folder is used if present, else validation is carved from
train); otherwise every image is assigned by a hash of its relative path. Both are
deterministic, independent of `seed` (test sets stay comparable across seeds) and
give exact counts: files are ranked by SHA-1 of their relative path and the first
round(fraction * n) go to test, the next to validation. Report 000's CIFAR-10 split
(section 2, 40k/10k/10k) is `validation_fraction=0.2` of the 50k train folder.

Order: files are ranked by SHA-1 of (seed, relative path), a seeded shuffle that
mixes classes stored in subfolders, so `limit` takes a representative subset and
precomputed embeddings can be zipped to the images.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import List, Optional, Tuple

from data_pipelines import rules
from data_pipelines.report import DataSourceError
from data_pipelines.validate import ValidationCache

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
SPLITS = ("train", "validation", "test")
# Mean HSV chroma below this is "near-gray" (ops.mean_chroma). On CIFAR-10 test,
# 149 images score < 0.01 (grayscale), 233 < 0.02; those in between look gray.
GRAY_CHROMA = 0.02

FileEntry = Tuple[str, int, int]  # relative posix path, size, mtime_ns


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise DataSourceError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return split


def list_images(root: Path) -> List[FileEntry]:
    """Image files under `root`, recursive, sorted; hidden files and folders are
    left out (macOS `._x.jpg` companions are not images).

    Symlinked folders are followed, each real folder once (keyed by device and
    inode), so a link back up the tree (`loop/up -> ..`) cannot loop forever. Links
    are followed only after every plain subfolder, so a folder inside the tree is
    always listed under its own path, not a link's. Broken links and folders that
    cannot be read are skipped, not fatal."""
    found: List[FileEntry] = []
    seen = set()
    folders, links = [root], []
    while folders or links:
        folder = folders.pop() if folders else links.pop(0)
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:  # vanished, unreadable, or a link loop the OS refuses
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    (links if entry.is_symlink() else folders).append(Path(entry.path))
                elif entry.name.lower().endswith(EXTENSIONS):
                    stat = entry.stat()  # follows links: a broken one raises here
                    rel = Path(entry.path).relative_to(root).as_posix()
                    found.append((rel, stat.st_size, stat.st_mtime_ns))
            except OSError:
                continue
    return sorted(found)


def _rank(entries: List[FileEntry], salt: str = "") -> List[FileEntry]:
    return sorted(entries, key=lambda e: hashlib.sha1(f"{salt}{e[0]}".encode()).digest())


def _carve(entries: List[FileEntry], fractions: List[float]) -> List[List[FileEntry]]:
    """Cut hash-ranked entries into len(fractions) exact parts and the rest."""
    ranked, parts, start = _rank(entries), [], 0
    for fraction in fractions:
        count = int(round(fraction * len(entries)))
        parts.append(ranked[start:start + count])
        start += count
    return parts + [ranked[start:]]


def split_entries(entries: List[FileEntry], split: str, validation_fraction: float,
                  test_fraction: float) -> Tuple[List[FileEntry], str]:
    """The entries of one split and a few words on how the split was made."""
    check_split(split)
    if not (0 <= validation_fraction < 1 and 0 <= test_fraction < 1
            and validation_fraction + test_fraction < 1):
        raise DataSourceError(f"validation_fraction {validation_fraction} and test_fraction "
                              f"{test_fraction} must be in [0, 1) and sum below 1")
    groups: dict = {}
    for entry in entries:
        top = entry[0].split("/", 1)[0] if "/" in entry[0] else ""
        groups.setdefault(top, []).append(entry)
    if "train" in groups and "test" in groups:
        val_dir = next((d for d in ("validation", "val") if d in groups), None)
        if val_dir:
            chosen = {"train": groups["train"], "validation": groups[val_dir],
                      "test": groups["test"]}[split]
            return chosen, f"train/, {val_dir}/ and test/ folders"
        validation, train = _carve(groups["train"], [validation_fraction])
        chosen = {"train": train, "validation": validation, "test": groups["test"]}[split]
        return chosen, (f"train/ and test/ folders, validation {len(validation)} of "
                        f"{len(groups['train'])} train images carved by path hash")
    test, validation, train = _carve(entries, [test_fraction, validation_fraction])
    chosen = {"train": train, "validation": validation, "test": test}[split]
    return chosen, (f"split by path hash: {len(train)}/{len(validation)}/{len(test)} "
                    f"train/validation/test files")


def select_files(root, split: str, *, limit: Optional[int] = None, seed: int = 0,
                 validation_fraction: float = 0.1, test_fraction: float = 0.1,
                 drop_grayscale: bool = False, gray_threshold: float = GRAY_CHROMA,
                 max_pixels: int = rules.MAX_PIXELS, decoder: str = "tf", layout=None):
    """Good image paths of one split in pipeline order, and what was left out.

    Returns (paths, skipped [(path, reason)], dropped_grayscale, how_split, headers),
    headers being each path's `plan.Header` (format, width, height). With a
    `limit`, files are validated in chunks until `limit` good ones are found, so a
    quick preset on a big folder does not check every file. `decoder` ("tf" or
    "numpy") is the decoder that checks files (`validate.ValidationCache`). `layout`
    (a `layout.Layout`, from a published-layout source) gives the files and splits;
    without one, `root` is read as `folder:`.
    """
    if layout is not None:
        root = layout.root
        chosen, how = layout.select(split, validation_fraction, test_fraction)
        return _validated(root, chosen, how, limit, seed, drop_grayscale, gray_threshold,
                          max_pixels, decoder)
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataSourceError(f"folder:{root}: no such folder (give a folder of JPEG, PNG, "
                              f"BMP or GIF images, or use `sample` or `cifar10-jpg`)")
    entries = list_images(root)
    if not entries:
        raise DataSourceError(f"folder:{root}: no {'/'.join(EXTENSIONS)} files found")
    chosen, how = split_entries(entries, split, validation_fraction, test_fraction)
    return _validated(root, chosen, how, limit, seed, drop_grayscale, gray_threshold,
                      max_pixels, decoder)


def _validated(root, chosen, how, limit, seed, drop_grayscale, gray_threshold, max_pixels,
               decoder):
    ordered = _rank(chosen, salt=f"{seed}/")
    cache = ValidationCache(root, max_pixels, decoder)
    paths, headers, skipped, dropped, start = [], [], [], 0, 0
    while start < len(ordered) and (limit is None or len(paths) < limit):
        # Chunks with head-room for bad and gray files; everything when no limit.
        size = len(ordered) if limit is None else max(2 * (limit - len(paths)), 512)
        chunk = ordered[start:start + size]
        start += size
        for (rel, _, _), (reason, chroma) in zip(chunk, cache.check(chunk)):
            if reason is not None:
                skipped.append((str(root / rel), reason))
            elif drop_grayscale and chroma < gray_threshold:
                dropped += 1
            else:
                paths.append(str(root / rel))
                headers.append(cache.header(rel))
    if limit is not None:
        paths, headers = paths[:limit], headers[:limit]
    return paths, sorted(skipped), dropped, how, headers
