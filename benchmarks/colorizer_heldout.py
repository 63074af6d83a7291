"""Score colorizers on the photos TEST split and on the held-out photographs (issue 24).

    python -m benchmarks.colorizer_heldout                       # the shipped model
    python -m benchmarks.colorizer_heldout --checkpoints RUN1/00-x/best.weights.h5 \\
        RUN2/00-x/best.weights.h5 RUN3/00-x/best.weights.h5 --out results/...   # one per seed

For each colorizer (the shipped `effnet_unet`, or `effnet_unet` checkpoint files, one
per training seed), each inference variant of VARIANTS and each set of SETS, every
photo is resized to LONG_SIDE px on its long side (the truth); the model sees its
luminance at the working size (`--size`, default 128, as it was trained) and its
colour is laid on the 256 px luminance by the one colorize path
(deepcolor/serving/render.py). Per photo: CIEDE2000 of the model and of gray
(a = b = 0, the same luminance), and the colourfulness of the output and of the truth
(deepcolor/metrics.py). Writes per_photo.csv, per_seed.csv, table.md (means over seeds
with t-intervals, paired t-tests on per-seed differences from deepcolor/train/stats.py,
per-photo medians and shares, and the issue's "Must show" checks, also printed as
PASS/FAIL) and config.json (command, inputs, versions, machine, wall time) in `--out`.
Each (colorizer, variant, set) is cached in `--out`/cache/, so a killed run continues.
The held-out set is built by `python -m benchmarks.heldout_photos`.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from deepcolor.errors import UsageError, run_command

LONG_SIDE = 256
SIZE = 128
OUT = "results/pretrained_colorizer/heldout_shipped_v1"
MODEL = "effnet_unet"  # the architecture of the checkpoints
PHOTO_COLUMNS = ("seed", "variant", "set", "photo", "ciede2000", "ciede2000_gray", "gap",
                 "beats_gray", "colourfulness", "colourfulness_true")


@dataclasses.dataclass(frozen=True)
class Variant:
    """Test-time inference: `flip` averages the ab predicted for the photo and for its
    mirror image (mirrored back); `gain` multiplies the predicted ab."""
    flip: bool = False
    gain: float = 1.0

    def describe(self) -> str:
        parts = (["the mean of the ab predicted for the photo and its mirror image"]
                 if self.flip else []) + ([f"ab x {self.gain:g}"] if self.gain != 1 else [])
        return ", ".join(parts) or "the ab as predicted"


VARIANTS = {"plain": Variant(), "flip": Variant(flip=True), "sat1.3": Variant(gain=1.3)}
SETS = ("test", "heldout")  # the photos TEST split; the held-out photographs

# A colorizer: (uint8 RGB photo, variant) -> uint8 RGB colorized at the photo's size.
Colorize = Callable[[np.ndarray, Variant], np.ndarray]


def set_paths(name: str) -> List[Path]:
    """The photos of one set, in a fixed order."""
    from data_pipelines import folder, photos
    from data_pipelines.paths import data_dir

    if name == "test":  # the split every `photos` experiment scores (default fractions)
        root = photos.ensure_extracted()
        return [Path(p) for p in folder.select_files(root, "test")[0]]
    if name == "heldout":
        root = data_dir() / "heldout-photos"
        paths = sorted(root.glob("*.jpg"))
        if not paths:
            raise UsageError(f"no held-out photos in {root}: build them with python -m "
                             f"benchmarks.heldout_photos --debs DIR --download")
        return paths
    raise UsageError(f"unknown set {name!r}; choose from {', '.join(SETS)}")


def load_truth(path: Path, long_side: int = LONG_SIDE) -> np.ndarray:
    """The photo as uint8 RGB with its long side resized to `long_side` (Lanczos)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    scale = long_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return np.asarray(image.resize(size, Image.LANCZOS))


def model_colorizer(model, colorspace, size: int) -> Colorize:
    """The one render path (deepcolor.serving.render.colorize_images: shrink, predict,
    enlarge, lay on L) with the variant's flip averaging and chroma gain."""
    from keras import ops

    from deepcolor.serving.render import colorize_images

    def colorize(rgb: np.ndarray, variant: Variant) -> np.ndarray:
        out = colorize_images(model, colorspace, rgb[None], size, saturation=variant.gain,
                              flip_average=variant.flip)
        return ops.convert_to_numpy(out)[0]

    return colorize


def gray_of(rgb: np.ndarray) -> np.ndarray:
    """a = b = 0 on the photo's own luminance, through the same compose step."""
    from keras import ops

    from deepcolor.colorspaces import get_colorspace
    from deepcolor.serving.render import compose, to_rgb

    space = get_colorspace("lab")
    x = to_rgb(ops.convert_to_tensor(rgb[None]))
    zeros = ops.zeros((1, 8, 8, 2))
    return ops.convert_to_numpy(compose(space, x, space.encode_input(x), zeros))[0]


def score_photo(truth: np.ndarray, output: np.ndarray, gray: np.ndarray) -> Dict:
    from deepcolor.metrics import ciede2000, colorfulness

    t, o, g = (a.astype(np.float32) / 255.0 for a in (truth, output, gray))
    model, flat = ciede2000(t, o), ciede2000(t, g)
    return {"ciede2000": model, "ciede2000_gray": flat, "gap": flat - model,
            "beats_gray": int(model < flat), "colourfulness": colorfulness(o),
            "colourfulness_true": colorfulness(t)}


def score(colorize: Colorize, variant: Variant, paths: Sequence[Path],
          long_side: int = LONG_SIDE) -> List[Dict]:
    """One row per photo (PHOTO_COLUMNS less seed, variant and set)."""
    rows = []
    for path in paths:
        truth = load_truth(path, long_side)
        rows.append({"photo": Path(path).name} | score_photo(truth, colorize(truth, variant),
                                                            gray_of(truth)))
    return rows


def cached_score(cache: Path, key: str, compute: Callable[[], List[Dict]]) -> List[Dict]:
    """`compute()`'s rows, kept in `cache`/<hash of key>.csv (written when complete;
    git ignores the folder)."""
    path = Path(cache) / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.csv"
    if path.is_file():
        with open(path, newline="") as handle:
            return [{k: (v if k == "photo" else float(v)) for k, v in row.items()}
                    for row in csv.DictReader(handle)]
    rows = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / ".gitignore").write_text("*\n")  # a cache, not a result
    partial = path.with_suffix(".part")
    with open(partial, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)
    return rows


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def colorizers(checkpoints: Sequence[str], size: int, encoder: Optional[str] = None) -> List[tuple]:
    """[(seed label, cache identity, a function that loads it as a Colorize)]: the
    shipped model, or one per checkpoint."""
    from deepcolor.serving import pretrained

    if not checkpoints:
        identity = f"shipped:{_sha256(pretrained.ASSETS / pretrained.DECODER_FILE)}"
        return [("shipped", identity, lambda: model_colorizer(
            pretrained.load_shipped_colorizer(size), "lab", size))]
    found = []
    for path in map(Path, checkpoints):
        if not path.is_file():
            raise UsageError(f"no checkpoint file {path} (give .../best.weights.h5 files)")
        label = f"{path.parent.parent.name}/{path.parent.name}"
        found.append((label, f"checkpoint:{_sha256(path)}",
                      _checkpoint_loader(path, size, encoder)))
    if len({label for label, _, _ in found}) < len(found):
        raise UsageError("two checkpoints share a run folder name: give one per seed")
    return found


def _checkpoint_loader(path: Path, size: int, encoder: Optional[str] = None):
    def load():
        from deepcolor.models import registry

        options = {"encoder_arch": encoder} if encoder else {}  # None: the model's default
        model = registry.build(MODEL, input_size=size, weights="imagenet", **options)
        model.load_weights(str(path))
        return model_colorizer(model, "lab", size)
    return load


def run(checkpoints, variants, sets, size, long_side, out: Path, log=print,
        encoder: Optional[str] = None) -> List[Dict]:
    """Every (colorizer, variant, set) scored (or read from the cache): per-photo rows."""
    paths = {name: set_paths(name) for name in sets}
    rows = []
    for label, identity, load in colorizers(checkpoints, size, encoder):
        loaded = {}

        def colorize(rgb, variant, load=load, loaded=loaded):  # loads on the first miss
            if "model" not in loaded:
                loaded["model"] = load()
            return loaded["model"](rgb, variant)

        for variant in variants:
            for name in sets:
                key = json.dumps([identity, variant, VARIANTS[variant].__dict__, name, size,
                                  long_side, [p.name for p in paths[name]]])
                start = time.perf_counter()
                scored = cached_score(out / "cache", key, lambda: score(
                    colorize, VARIANTS[variant], paths[name], long_side))
                log(f"{label} {variant} {name}: {len(scored)} photos "
                    f"({time.perf_counter() - start:.1f} s)")
                rows += [{"seed": label, "variant": variant, "set": name} | r for r in scored]
    return rows


def _write_csv(rows: Sequence[Dict], columns: Sequence[str], path: Path) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v)
                             for k, v in row.items()})


def main(argv: Sequence[str]) -> int:
    from benchmarks import heldout_report as report
    from benchmarks.common import command_line, machine
    from deepcolor.models import efficientnet_lite as lite

    parser = argparse.ArgumentParser(prog="python -m benchmarks.colorizer_heldout",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoints", nargs="*", default=[],
                        help=f"{MODEL} weights files, one per seed (default: the shipped model)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--size", type=int, default=SIZE, help="the model's working size")
    parser.add_argument("--long-side", type=int, default=LONG_SIDE)
    parser.add_argument("--encoder", default=lite.DEFAULT_ARCH, choices=sorted(lite.VARIANTS),
                        help="the checkpoints' encoder")
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args(argv)
    if args.size <= 0 or args.size % 32 or args.long_side < 32:
        raise UsageError("--size must be a positive multiple of 32 and --long-side >= 32")
    out, start, env = Path(args.out), time.perf_counter(), machine()
    photos = run(args.checkpoints, args.variants, args.sets, args.size, args.long_side, out,
                 encoder=args.encoder)
    seeds, wall = report.per_seed(photos), time.perf_counter() - start
    command = command_line("benchmarks.colorizer_heldout", argv)
    _write_csv(photos, PHOTO_COLUMNS, out / "per_photo.csv")
    _write_csv(seeds, report.SEED_COLUMNS, out / "per_seed.csv")
    described = {k: VARIANTS[k].describe() for k in args.variants}
    text, checks = report.table_md(command, args, described, photos, seeds, env, wall)
    (out / "table.md").write_text(text)
    (out / "config.json").write_text(json.dumps(
        {"command": command, "checkpoints": args.checkpoints or ["shipped"],
         "variants": {k: VARIANTS[k].__dict__ for k in args.variants}, "sets": args.sets,
         "size": args.size, "long_side": args.long_side, "encoder": args.encoder, "wall_time_s": round(wall, 1),
         "environment": env}, indent=2, default=str))
    for check in checks:
        print(f"{check['verdict']}: {check['variant']} {check['set']}: {check['check']} "
              f"({check['value']})")
    print(f"wrote {out}/table.md, per_photo.csv, per_seed.csv, config.json ({wall:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command("python -m benchmarks.colorizer_heldout", main))
