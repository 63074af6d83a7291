"""More training photographs for the shipped colorizer, from packages that are neither a
source of `photos` nor of the held-out set (issue 24, "more diverse training photos").

    python -m benchmarks.training_photos --debs DIR --download

rebuilds `extra-photos/` in the data folder (DEEPCOLOR_DATA, else data/) the way
`benchmarks.heldout_photos` builds `heldout-photos/` (same filter, file names,
manifest columns; a copy of the manifest is committed as
results/extra_photos/MANIFEST.tsv, the photos are not). Every photo is checked against
real-photos.tar AND the held-out photos (sha256 and near-duplicate fingerprint), so the
held-out set still shares no photo and no package with training. The `photos-plus`
source (data_pipelines/photos_plus.py) adds these photos to the TRAIN split of `photos`
only: validation and test stay the `photos` ones, so scores stay comparable.

Looked at and left out entirely: stellarium-data (its landscapes are panoramas with a
transparent sky; the rest are astronomical images), marble-data (maps), fotoxx-common
and luminance-hdr (screenshots), freeciv-data and enlightenment-data (renders).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Sequence, Tuple

from benchmarks import heldout_photos as heldout
from benchmarks.heldout_photos import Source
from benchmarks.photo_filter import fingerprint, open_rgb
from data_pipelines.paths import data_dir, photos_tar
from data_pipelines.photos_plus import EXTRA_FOLDER
from deepcolor.errors import UsageError, run_command

FOLDER = EXTRA_FOLDER  # data_pipelines.photos_plus reads it
SCRATCH_MEDIA = "usr/share/scratch/Media/Backgrounds"
QT_EXAMPLES = "usr/lib/x86_64-linux-gnu/qt5/examples/widgets"
SOURCES = (
    Source("scratch", "1.4.0.6~dfsg1-6.1", (SCRATCH_MEDIA,),
           "CC-BY-SA-3.0 (debian/copyright, Files: Media/*)"),
    Source("hugin-data", "2022.0.0+dfsg-2", ("usr/share/hugin/xrc/data/help_en_EN",),
           "GPL-2+ / GFDL (Hugin manual, debian/copyright)"),
    Source("imagemagick-6-doc", "8:6.9.11.60+dfsg-1.6+deb12u11",
           ("usr/share/doc/imagemagick-6-common/html/images",), "ImageMagick"),
    Source("qtbase5-examples", "5.15.8+dfsg-11+deb12u3", (QT_EXAMPLES,), "BSD-3-clause"),
)

# Survivors of the automatic filter that a look at the contact sheet showed are not
# photographs, or show mostly something else: (package, file name) -> what they are.
REJECTED_BY_EYE: Dict[Tuple[str, str], str] = {
    ("hugin-data", "hugin-data__360px-Pantheon-150x100-rect-panini.jpg"): "two photos and a caption",
    **{("hugin-data", f"hugin-data__{name}.jpg"): "a screenshot" for name in (
        "700px-Autopano-done", "700px-Hugin2013_photos_tab", "700px-Hugin2013_preview_tab",
        "Autopano-prefs", "Celeste_cpeditor_post", "Celeste_images_panel")},
    **{("hugin-data", f"hugin-data__{name}.jpg"): "a projection demo (fisheye, stereographic, "
       "cylindrical; Big_ben_rectilinear is kept)" for name in (
        "Big_ben_circ_fisheye", "Big_ben_cylindrical", "Big_ben_equirectangular",
        "Big_ben_ff_fisheye", "Big_ben_stereographic", "Medinet_habu_horizontal_fisheye",
        "Medinet_habu_horizontal_stereographic", "Vertical-fisheye", "Vertical-stereographic")},
    **{("hugin-data", f"hugin-data__{name}.jpg"): "a chromatic-aberration demo (false colour "
       "fringes) or test chart" for name in (
        "CA_artifical_B_Y", "CA_fringes00", "CA_fringes01", "CA_strange01", "CA_tCA00",
        "CA_tCA01", "CA_tCA03")},
    ("imagemagick-6-doc", "imagemagick-6-doc__bluebells_clipped.jpg"): "a tone-curve demo "
        "(bluebells_lin is kept)",
    ("imagemagick-6-doc", "imagemagick-6-doc__bluebells_log.jpg"): "a tone-curve demo "
        "(bluebells_lin is kept)",
    ("imagemagick-6-doc", "imagemagick-6-doc__examples.jpg"): "a collage of thumbnails",
    ("imagemagick-6-doc", "imagemagick-6-doc__t-shirt.jpg"): "a drawing",
    ("qtbase5-examples", "qtbase5-examples__draganddrop_puzzle_example.jpg"): "an advert, text",
    ("qtbase5-examples", "qtbase5-examples__effects_fademessage_background.jpg"): "a screen of text",
    ("scratch", "scratch__Outdoors_graffiti.jpg"): "a painted mural filling the frame",
}


def heldout_fingerprints(folder: Path) -> Tuple[set, list]:
    """(sha256s, fingerprints) of the held-out photos: training must share none."""
    import hashlib

    paths = sorted(Path(folder).glob("*.jpg"))
    if not paths:
        raise UsageError(f"no held-out photos in {folder}: build them first with python -m "
                         f"benchmarks.heldout_photos --debs DIR --download")
    blobs = [p.read_bytes() for p in paths]
    return ({hashlib.sha256(b).hexdigest() for b in blobs},
            [fingerprint(open_rgb(b)) for b in blobs])


def excluded(heldout_folder: Path) -> tuple:
    """What the training photos must not share: real-photos' packages, files and
    fingerprints (heldout.known_photos) plus the held-out set's, and its packages."""
    packages, shas, hashes = heldout.known_photos(photos_tar())
    held_shas, held_hashes = heldout_fingerprints(heldout_folder)
    packages |= {source.package for source in heldout.SOURCES}
    return packages, shas | held_shas, hashes + held_hashes


def main(argv: Sequence[str]) -> int:
    return heldout.build_from_debs(argv, "python -m benchmarks.training_photos", __doc__,
                                   SOURCES, REJECTED_BY_EYE, FOLDER,
                                   "results/extra_photos/MANIFEST.tsv",
                                   lambda: excluded(data_dir() / heldout.FOLDER))


if __name__ == "__main__":
    raise SystemExit(run_command("python -m benchmarks.training_photos", main))
