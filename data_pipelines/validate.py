"""Find the bad files of a folder before training, and remember the answer.

Why an upfront pass rather than `ignore_errors()` in the training pipeline: the
runner needs the exact image count (steps per epoch, zipping precomputed embeddings
in order) and the list of skipped files before the first step, and a file dropped
silently mid-epoch would shift every later embedding. Two stages:

1. a PIL header read (size, format, mode; no pixel decode): rejects empty files,
   non-images, unsupported formats, images under MIN_SIDE pixels a side, and images
   too large to decode (over `max_pixels`, unless JPEG, which decodes at 1/8 scale);
2. the pipeline's own decoder on the rest: for tf.data (`ops.decode_for_check`), in batches
   with `ignore_errors()`; files of a dropped batch are retried one by one to name
   the culprit and its error. This catches truncated or corrupt data that headers
   hide, with the very decoder training will use, so the count is exact. It also
   measures each image's mean chroma, for `drop_grayscale`. The numpy path checks
   with its own decoder (PIL, `pixels.decode_checks`), cached apart.

Measured on the 60,000 CIFAR-10 JPEGs (2 shared cores): about 14 s in all (stage 1
about 5 s, stage 2 about 9 s). Results are cached per file (keyed by size and mtime)
in `data_dir()/validation/`, so later runs only list and stat the files (about 1.5 s
per split).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from PIL import Image

from data_pipelines import rules
from data_pipelines.paths import data_dir
from data_pipelines.plan import Header

# Images smaller than this on a side carry too little to learn colour from (a 1x1
# image is one colour); CIFAR-10's 32 px is the smallest real data we use.
MIN_SIDE = 8
FORMATS = {"JPEG", "MPO", "PNG", "BMP", "GIF"}  # MPO: multi-picture JPEG from cameras
_BATCH = 256
_CACHE_VERSION = 2  # 2: entries keep the header (format, width, height) for decode plans

# (reason or None if good, mean chroma or None if bad)
Check = Tuple[Optional[str], Optional[float]]


def read_header(path: str, max_pixels: int = rules.MAX_PIXELS) -> Tuple[Optional[str],
                                                                      Optional[Header]]:
    """(why the file cannot be used, judged from its header alone, or None; the header
    if it can be read)."""
    header = None
    try:
        if os.path.getsize(path) == 0:
            return "empty file", None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, (width, height) = image.format, image.size
                header = Header(fmt, width, height)
    except Image.DecompressionBombError as error:
        return f"too large to decode ({error})", None
    except Exception as error:  # PIL raises many types for garbage; all mean "unreadable"
        return f"not a readable image ({type(error).__name__})", None
    if fmt not in FORMATS:
        return f"unsupported format {fmt} (use JPEG, PNG, BMP or GIF)", header
    if min(width, height) < MIN_SIDE:
        return f"too small ({width}x{height} px; minimum side {MIN_SIDE})", header
    is_jpeg = fmt in ("JPEG", "MPO")
    reduction = rules.JPEG_RATIOS[-1] ** 2 if is_jpeg else 1
    if width * height / reduction > max_pixels:
        how = "even at 1/8 JPEG scale" if is_jpeg else "not a JPEG, so no reduced-scale decode"
        return f"too large ({width}x{height} px > {max_pixels} px limit, {how})", header
    return None, header


def _clean_tf_error(error: Exception) -> str:
    """TF's error text without the function-node and op decorations."""
    message = getattr(error, "message", str(error))
    message = re.sub(r"\{\{[^}]*\}\}", "", message)
    message = re.sub(r"\[Op:[^\]]*\].*", "", message, flags=re.S)
    return " ".join(message.split()).strip(" .") or type(error).__name__


def decode_checks(paths: List[str], max_pixels: int = rules.MAX_PIXELS) -> List[Check]:
    """Stage 2: decode every file with the tf.data pipeline's decoder; (reason, chroma)
    each."""
    if not paths:
        return []
    import tensorflow as tf

    from data_pipelines import ops

    def check_batch(indices, batch_paths):
        # map_fn over a batch costs far less per file than a per-element map, and the
        # chroma of the small images is then one vectorised op.
        small = tf.map_fn(lambda p: ops.decode_for_check(tf.io.read_file(p), max_pixels),
                          batch_paths, fn_output_signature=tf.float32)
        return indices, ops.mean_chroma(small)

    dataset = (tf.data.Dataset.from_tensor_slices((tf.range(len(paths)), paths))
               .batch(_BATCH)
               .map(check_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .ignore_errors())
    results: List[Optional[Check]] = [None] * len(paths)
    for indices, chroma in dataset.as_numpy_iterator():
        for index, value in zip(indices, chroma):
            results[index] = (None, float(value))
    for index, result in enumerate(results):
        if result is None:  # its batch failed: find out whether this file is why
            try:
                value = ops.decoded_chroma(tf.io.read_file(paths[index]), max_pixels)
                results[index] = (None, float(value))
            except tf.errors.OpError as error:
                results[index] = (f"decode failed: {_clean_tf_error(error)}", None)
    return results


# Stage 2's decoder: the one training will use. "tf" is tf.data's (`decode_checks`),
# "numpy" the numpy path's, PIL (`pixels.decode_checks`).
DECODERS = ("tf", "numpy")


def _decode_checks(decoder: str):
    if decoder == "numpy":
        from data_pipelines import pixels
        return pixels.decode_checks
    return decode_checks


class ValidationCache:
    """Per-folder record of checked files:
    relpath -> [size, mtime_ns, reason, chroma, format, width, height].

    Kept per decoder: each path is validated by the decoder it trains with."""

    def __init__(self, root: Path, max_pixels: int = rules.MAX_PIXELS, decoder: str = "tf"):
        if decoder not in DECODERS:
            raise ValueError(f"unknown decoder {decoder!r}; choose one of {DECODERS}")
        self.root = Path(root)
        self.max_pixels = max_pixels
        self.decoder = decoder
        which = "" if decoder == "tf" else f"|{decoder}"  # "tf" keeps its existing caches
        key = hashlib.sha1(f"{self.root.resolve()}|{max_pixels}|{MIN_SIDE}|{_CACHE_VERSION}"
                           f"{which}".encode()).hexdigest()[:16]
        self.path = data_dir() / "validation" / f"{key}.json"
        self.entries: Dict[str, list] = {}
        if self.path.exists():
            try:
                self.entries = json.loads(self.path.read_text())["files"]
            except (ValueError, KeyError):
                self.entries = {}  # a damaged cache is only a lost speed-up

    def check(self, files: List[Tuple[str, int, int]]) -> List[Check]:
        """(reason, chroma) for each (relpath, size, mtime_ns); checks only new files."""
        stale = [f for f in files if self.entries.get(f[0], [None, None])[:2] != [f[1], f[2]]]
        if stale:
            absolute = [str(self.root / rel) for rel, _, _ in stale]
            reasons, headers = zip(*[read_header(path, self.max_pixels) for path in absolute])
            to_decode = [i for i, reason in enumerate(reasons) if reason is None]
            decoded = _decode_checks(self.decoder)([absolute[i] for i in to_decode],
                                                   self.max_pixels)
            checks: List[Check] = [(reason, None) for reason in reasons]
            for i, result in zip(to_decode, decoded):
                checks[i] = result
            for (rel, size, mtime), (reason, chroma), header in zip(stale, checks, headers):
                self.entries[rel] = [size, mtime, reason, chroma,
                                     *(header or (None, None, None))]
            self._save()
        return [tuple(self.entries[rel][2:4]) for rel, _, _ in files]

    def header(self, rel: str) -> Header:
        """The header of a file `check` has seen."""
        return Header(*self.entries[rel][4:7])

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"root": str(self.root), "files": self.entries}))
        os.replace(tmp, self.path)  # atomic: a concurrent reader sees old or new, never half
