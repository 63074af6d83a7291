"""Colorize: seconds to colorize one 12-megapixel photo end to end on this machine.

    python -m benchmarks.colorize            # 12 MP photo, two small registry models
    python -m benchmarks.colorize --quick    # 0.3 MP photo, one model, no command run

End to end = load the model file, read the JPEG, colorize at full resolution
(`deepcolor.serving.inference.colorize_images`: chroma predicted at the model's size,
upsampled, recombined with the photo's own luminance), write the PNG. Timed two
ways: stage by stage in one process (the first colorize call includes tracing
the function; a second call shows the steady cost), and as the `deepcolor
colorize` command in a fresh process (adds Python start-up and the TensorFlow
import). The models are registry models with RANDOM weights (untrained: the
cost does not depend on the weights), saved as `.keras` with their sidecar JSON.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
from PIL import Image

from benchmarks import common, photos
from benchmarks import step_timing as st

MODELS = ("unet004_model1", "unet000_simple_yuv")


def save_model(name: str, folder: Path) -> Path:
    from deepcolor.serving.export import save_keras_with_metadata
    from deepcolor.models import registry

    spec = registry.get(name)
    path = folder / f"{name}.keras"
    save_keras_with_metadata(st.build(name), spec.colorspace, path, spec.input_size)
    keras.backend.clear_session()
    return path


def stages(model_path: Path, photo: Path, out_dir: Path) -> dict:
    """Seconds of each stage, in this process."""
    from deepcolor.cli.outputs import write_image
    from deepcolor.serving.export import load_for_inference
    from deepcolor.serving.images import read_image

    result = {}
    holder = {}
    result["load model s"] = common.timed(
        lambda: holder.update(model=load_for_inference(model_path)))
    result["read JPEG s"] = common.timed(lambda: holder.update(image=read_image(photo)))
    batch = holder["image"][None]
    result["colorize (1st call) s"] = common.timed(
        lambda: holder.update(out=holder["model"](batch)))
    result["colorize (2nd call) s"] = common.timed(lambda: holder["model"](batch))
    result["write PNG s"] = common.timed(
        lambda: write_image(out_dir / "colorized.png", holder["out"][0]))
    result["end to end s"] = sum(result[k] for k in ("load model s", "read JPEG s",
                                                     "colorize (1st call) s", "write PNG s"))
    result["PNG MB"] = (out_dir / "colorized.png").stat().st_size / 1e6
    # What zlib's effort costs: the same PNG at PIL's default level 6 (the suite's
    # level before this benchmark showed it was most of the end-to-end time).
    slow = out_dir / "colorized_level6.png"
    result["write PNG, level 6 s"] = common.timed(
        lambda: Image.fromarray(holder["out"][0]).save(slow, format="PNG", compress_level=6))
    result["PNG level 6 MB"] = slow.stat().st_size / 1e6
    result["pixels"] = batch.shape[1] * batch.shape[2]
    return result


def command_seconds(model_path: Path, photo: Path, out_dir: Path) -> float:
    """Wall time of `python -m deepcolor colorize` in a fresh process."""
    command = [sys.executable, "-m", "deepcolor", "colorize", str(photo), "--model",
               str(model_path), "--out", str(out_dir), "--overwrite"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return common.timed(lambda: subprocess.run(command, check=True, env=env,
                                               capture_output=True))


def main(argv=None) -> int:
    from deepcolor.models import registry

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--section", default="Colorize a 12-megapixel photo")
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.megapixels = args.models[-1:], min(args.megapixels, 0.3)
    env = common.machine()
    command = common.command_line("benchmarks.colorize", argv)
    photo = sorted(photos.ensure_photos(1, args.megapixels).glob("photo_*.jpg"))[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.models:
            spec = registry.get(name)
            model_path = save_model(name, tmp)
            row = {"model": f"{name} (random weights)", "colour space": spec.colorspace["name"],
                   "model input": spec.input_size}
            row.update(stages(model_path, photo, tmp / "in_process"))
            row["megapixels"] = row.pop("pixels") / 1e6
            if not args.quick:  # a fresh process is most of a quick run's time
                row["`deepcolor colorize` command s"] = command_seconds(model_path, photo,
                                                                         tmp / "command")
            rows.append(row)
            print(f"{name}: end to end {row['end to end s']:.2f} s in process", flush=True)
    columns = ["model", "colour space", "model input", "megapixels", "load model s",
               "read JPEG s", "colorize (1st call) s", "colorize (2nd call) s", "write PNG s",
               "end to end s", "`deepcolor colorize` command s", "PNG MB",
               "write PNG, level 6 s", "PNG level 6 MB"]
    body = common.header(env, command) + [
        f"- Load average at end: {common.load_average():.2f}",
        f"- Photo: `{photo.name}` from `python -m benchmarks.photos` "
        f"({args.megapixels:g} MP JPEG).",
        "- End to end (in process) = load model + read JPEG + first colorize call (includes "
        "tracing) + write PNG. The command column is `python -m deepcolor colorize PHOTO "
        "--model MODEL.keras --out DIR` in a fresh process, Python start-up and the "
        "TensorFlow import included. `write PNG` is `deepcolor.cli.outputs.write_image` (zlib "
        "level 1); `level 6` writes the same image at PIL's default level 6, which the "
        "suite used before, for comparison.", "",
        common.table(rows, columns)]
    return common.publish(args.section, body, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
