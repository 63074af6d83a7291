"""A gallery of 24 photographs the model never saw: gray | colorized | original (issue 24).

    python -m benchmarks.gallery                    # the shipped model
    python -m benchmarks.gallery --checkpoint RUN/00-x/best.weights.h5 --out DIR

The photos are chosen by a fixed rule, not picked: from each of the `photos` TEST split
and the held-out photographs (python -m benchmarks.heldout_photos), the first PER_SET
photos in the order of the sha256 of their file names (`choose`). Each is prepared as
in benchmarks/colorizer_heldout.py: resized to 256 px on its long side, its luminance
seen by the model at its working size (128 px by default), the colour laid on the
256 px luminance. Writes gallery.jpg (one image, two photos a row, each as gray |
colorized | original, JPEG quality QUALITY) and index.html (the image, the rule, the
model, the command, and per photo its set, package, licence and CIEDE2000 of the
model and of gray).
"""
from __future__ import annotations

import argparse
import hashlib
import html
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from benchmarks import colorizer_heldout as bench
from deepcolor.errors import run_command

PER_SET = 12
BOX = (200, 150)  # each picture fits this box (width, height)
PAD, LABEL, PER_ROW, QUALITY = 4, 16, 2, 85
OUT = "results/pretrained_colorizer/gallery"


def choose(paths_by_set: Dict[str, Sequence[Path]], per_set: int = PER_SET
           ) -> List[Tuple[str, Path]]:
    """The fixed rule: per set, the first `per_set` photos by sha256 of the file name."""
    chosen = []
    for name, paths in paths_by_set.items():
        ranked = sorted(paths, key=lambda p: hashlib.sha256(Path(p).name.encode()).hexdigest())
        chosen += [(name, Path(p)) for p in ranked[:per_set]]
    return chosen


def _fit(pixels: np.ndarray) -> Image.Image:
    image = Image.fromarray(pixels)
    image.thumbnail(BOX, Image.LANCZOS)
    return image


def compose_sheet(triplets: Sequence[Tuple[str, np.ndarray, np.ndarray, np.ndarray]]
                  ) -> Image.Image:
    """(label, gray, colorized, original) per photo -> one image, PER_ROW photos a row."""
    cell_w, cell_h = BOX[0] + PAD, BOX[1] + LABEL
    block = 3 * cell_w + 3 * PAD
    rows = -(-len(triplets) // PER_ROW)
    sheet = Image.new("RGB", (PER_ROW * block, LABEL + rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for column in range(PER_ROW):
        for i, title in enumerate(("gray", "colorized", "original")):
            draw.text((column * block + i * cell_w + 2, 2), title, fill="black")
    for index, (label, *pictures) in enumerate(triplets):
        x0 = (index % PER_ROW) * block
        y0 = LABEL + (index // PER_ROW) * cell_h
        for i, pixels in enumerate(pictures):
            picture = _fit(pixels)
            sheet.paste(picture, (x0 + i * cell_w + (BOX[0] - picture.width) // 2,
                                  y0 + (BOX[1] - picture.height) // 2))
        draw.text((x0 + 2, y0 + BOX[1] + 2), label[:3 * cell_w // 6], fill="black")
    return sheet


def licences() -> Dict[str, Dict[str, str]]:
    """file name -> its manifest row (package, licence), for both sets."""
    from benchmarks.heldout_photos import FOLDER, MANIFEST
    from data_pipelines import photos
    from data_pipelines.paths import data_dir

    rows = dict(photos.read_manifest(photos.ensure_extracted()))
    held = data_dir() / FOLDER / MANIFEST
    if held.is_file():
        rows.update(photos.read_manifest(held.parent))
    return rows


def page(command: str, model: str, rows: Sequence[Dict], seconds: float) -> str:
    items = "\n".join(
        f"<tr><td>{i + 1}</td><td>{html.escape(r['set'])}</td><td>{html.escape(r['photo'])}"
        f"</td><td>{html.escape(r['package'])}</td><td>{html.escape(r['licence'])}</td>"
        f"<td>{r['ciede2000']:.2f}</td><td>{r['ciede2000_gray']:.2f}</td></tr>"
        for i, r in enumerate(rows))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>deepcolor: 24 unseen photographs</title></head>
<body style="font-family: sans-serif; max-width: 1300px">
<h1>24 photographs the model never saw: gray | colorized | original</h1>
<p>Model: {html.escape(model)}. Made by <code>{html.escape(command)}</code> ({seconds:.0f} s).</p>
<p>Chosen by a fixed rule, not picked: from each of the <code>photos</code> test split and
the held-out photographs (<code>python -m benchmarks.heldout_photos</code>), the first
{PER_SET} photos in the order of the sha256 of their file names. Each photo is 256 px on
its long side; the model sees its luminance at its working size and its colour is laid
on the 256 px luminance. Numbered left to right, top to bottom.</p>
<img src="gallery.jpg" alt="gray, colorized and original, 24 photographs" style="max-width: 100%">
<table border="1" cellspacing="0" cellpadding="3">
<tr><th>#</th><th>set</th><th>photo</th><th>package</th><th>licence</th>
<th>CIEDE2000 model</th><th>CIEDE2000 gray</th></tr>
{items}
</table></body></html>
"""


def main(argv: Sequence[str]) -> int:
    from benchmarks.common import command_line

    parser = argparse.ArgumentParser(prog="python -m benchmarks.gallery",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", help=f"an {bench.MODEL} weights file "
                        "(default: the shipped model)")
    parser.add_argument("--size", type=int, default=bench.SIZE)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    chosen = choose({name: bench.set_paths(name) for name in bench.SETS})
    label, _, load = bench.colorizers([args.checkpoint] if args.checkpoint else [], args.size)[0]
    colorize, known, triplets, rows = load(), licences(), [], []
    for index, (name, path) in enumerate(chosen):
        truth = bench.load_truth(path)
        output, gray = colorize(truth, bench.VARIANTS["plain"]), bench.gray_of(truth)
        triplets.append((f"{index + 1}. {path.stem}", gray, output, truth))
        meta = known.get(path.name, {})
        rows.append({"set": name, "photo": path.name, "package": meta.get("package", "-"),
                     "licence": meta.get("licence", "-")} | bench.score_photo(truth, output, gray))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    compose_sheet(triplets).save(out / "gallery.jpg", quality=QUALITY, optimize=True)
    model = (f"{bench.MODEL} checkpoint {args.checkpoint}" if args.checkpoint else
             f"the shipped {bench.MODEL} (deepcolor/assets), working size {args.size} px")
    seconds = time.perf_counter() - start
    (out / "index.html").write_text(page(command_line("benchmarks.gallery", argv), model,
                                         rows, seconds))
    size = (out / "gallery.jpg").stat().st_size
    print(f"wrote {out}/gallery.jpg ({size / 1e6:.2f} MB) and index.html for {label} "
          f"({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command("python -m benchmarks.gallery", main))
