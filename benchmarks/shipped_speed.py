"""The shipped colorizer's speed on a 12-megapixel photo, after start-up (issue 24: at most
1.5 s per photo on the 2-core CPU).

    python -m benchmarks.shipped_speed          # writes its section of results/benchmarks.md

Start-up (importing, building the model, reading the weights) is timed once; then the
same 12 MP JPEG (`python -m benchmarks.photos`) is colorized `--repeats` times through
`deepcolor.load()` (deepcolor.serving.api, the Python API the CLI and the page use): read, colorize at full size
and write a PNG, each stage timed; the table gives the median and range of the repeats
after the first call (which also traces the function), with the PNG's size and the time to
write the same picture as a JPEG (`--format jpg`) beside them. A second table writes the
colorized photo at several PNG compression levels (the choice of
deepcolor/cli/outputs.py's PNG_COMPRESS_LEVEL). The load average is printed: on a shared
CPU the times are upper bounds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks import common, photos

SECTION = "The shipped colorizer on a 12-megapixel photo"


def _measure(photo: Path, repeats: int) -> dict:
    from deepcolor.serving.api import load
    from deepcolor.cli.outputs import write_image
    from deepcolor.serving.images import read_image

    holder = {}
    startup = common.timed(lambda: holder.update(model=load()))
    stages = {"read JPEG s": [], "colorize s": [], "write PNG s": [], "photo s": [],
              "write JPEG s": []}
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats + 1):  # the first call traces: reported apart
            read = common.timed(lambda: holder.update(image=read_image(photo)))
            color = common.timed(lambda: holder.update(out=holder["model"](holder["image"])))
            write = common.timed(lambda: write_image(Path(out) / "c.png", holder["out"]))
            jpeg = common.timed(lambda: write_image(Path(out) / "c.jpg", holder["out"], "jpg"))
            for key, value in zip(stages, (read, color, write, read + color + write, jpeg)):
                stages[key].append(value)
        png_mb = (Path(out) / "c.png").stat().st_size / 1e6
    first = stages["photo s"][0]
    steady = {key: values[1:] for key, values in stages.items()}
    megapixels = holder["image"].shape[0] * holder["image"].shape[1] / 1e6
    return {"startup s": startup, "first photo s": first, "megapixels": megapixels,
            **{k: statistics.median(v) for k, v in steady.items()}, "PNG MB": png_mb,
            "photo s range": f"{min(steady['photo s']):.2f}-{max(steady['photo s']):.2f}",
            "image": holder["out"]}


PNG_LEVELS = (0, 1, 2, 3, 6)  # zlib levels: 0 stores, 1 fastest, 6 Pillow's default


def _png_levels(image, repeats: int) -> list:
    """Median seconds and file size of writing `image` at each of PNG_LEVELS (and level 1
    with zlib's Huffman-only and RLE strategies) through `write_image`."""
    import zlib

    from deepcolor.cli.outputs import PNG_COMPRESS_LEVEL, write_image

    settings = [(f"{level}", {"compress_level": level}) for level in PNG_LEVELS] + [
        ("1, Huffman only", {"compress_level": 1, "compress_type": zlib.Z_HUFFMAN_ONLY}),
        ("1, RLE", {"compress_level": 1, "compress_type": zlib.Z_RLE})]
    rows = []
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "c.png"
        for name, options in settings:
            times = [common.timed(lambda: write_image(path, image, extra=options))
                     for _ in range(repeats)]
            chosen = " (the default)" if options == {"compress_level": PNG_COMPRESS_LEVEL} else ""
            rows.append({"PNG compress level": name + chosen,
                         "write s": statistics.median(times),
                         "MB": path.stat().st_size / 1e6})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shipped_speed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    env = common.machine()
    photo = sorted(photos.ensure_photos(count=1, megapixels=12.0).glob("*.jpg"))[0]
    row = _measure(photo, args.repeats)
    levels = _png_levels(row.pop("image"), args.repeats)
    row["load average at end"] = round(common.load_average(), 2)
    columns = ["megapixels", "startup s", "first photo s", "read JPEG s", "colorize s",
               "write PNG s", "photo s", "photo s range", "PNG MB", "write JPEG s",
               "load average at end"]
    body = common.header(env, common.command_line("benchmarks.shipped_speed", argv)) + [
        f"- Photo: `{photo.name}` from `python -m benchmarks.photos` (12 MP JPEG); "
        f"{args.repeats} timed repeats after a first call; medians, `photo s` = read + "
        "colorize + write PNG (the goal: at most 1.5 s); `write JPEG s`: the same output "
        "written as a JPEG (`--format jpg`, quality 95) instead.", "",
        common.table([row], columns), "",
        "The colorized photo written as a PNG at several zlib compression levels (medians "
        f"of {args.repeats}; deepcolor/cli/outputs.py's PNG_COMPRESS_LEVEL is the default):",
        "", common.table(levels, ["PNG compress level", "write s", "MB"])]
    return common.publish(SECTION, body, args.output)


if __name__ == "__main__":
    sys.exit(main())
