"""Colorize out of the box: find a model, load it once, colorize any kind of picture.

    colorizer = load()                   # the shipped colorizer (deepcolor/serving/pretrained.py)
    colorizer = load("runs/koalarization/default/20261128-050214/")   # a run folder
    colorizer(photo)                     # path -> PIL image, PIL -> PIL, numpy -> numpy

`model` is None (the shipped colorizer), a `.keras` file (with the sidecar JSON of
`export.save_keras_with_metadata`), a SavedModel directory (`export.export_saved_model`),
an `.onnx` file (`export.export_onnx`, run on onnxruntime without Keras:
`onnx_runner`), a run folder (`runs/<experiment>/<preset>/<stamp>/`) or one run's
model folder inside it (`.../01-fusion-seed0/`) holding exactly one model. `deepcolor.load` and
`deepcolor.colorize` are these functions.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Optional

import numpy as np

from deepcolor.errors import UsageError
from deepcolor.serving import images as image_io

SAVED_MODEL = "saved_model"


def _model_files(folder: Path) -> List[Path]:
    """The models directly in `folder`: a SavedModel directory, then .keras files."""
    found = [folder / SAVED_MODEL] if (folder / SAVED_MODEL / "saved_model.pb").is_file() else []
    return found + sorted(folder.glob("*.keras"))


def model_folders(root: Path, depth: int = 3) -> List[Path]:
    """Folders under `root` (itself included, `depth` levels down) that hold a model."""
    found, level = [], [root]
    for _ in range(depth + 1):
        found += [folder for folder in level if _model_files(folder)]
        level = [child for folder in level if not _model_files(folder)
                 for child in sorted(folder.iterdir()) if child.is_dir()
                 and child.name != SAVED_MODEL and not child.name.startswith(".")]
    return found


def find_model(model, prefer: str = "savedmodel") -> Path:
    """The model file or SavedModel directory that `model` names (see the module doc).

    In a run's model folder both a SavedModel and a `.keras` file are written; `prefer`
    ("savedmodel" or "keras") picks one. Raises a one-line UsageError if `model` does
    not exist or a folder holds no model or several (they are listed)."""
    path = Path(model)
    if not path.exists():
        raise UsageError(f"model not found: {model}")
    if path.is_file() or (path / "saved_model.pb").is_file():
        return path
    folders = model_folders(path)
    if not folders:
        raise UsageError(f"no model in {model}: expected a SavedModel directory or a .keras "
                         f"file (a run folder holds them in its run folders)")
    if len(folders) > 1:
        names = ", ".join(os.path.relpath(f, path) for f in folders)
        raise UsageError(f"{model} holds {len(folders)} models, name one: {names}")
    files = _model_files(folders[0])
    keras_files = [f for f in files if f.suffix == ".keras"]
    if len(keras_files) > 1:
        raise UsageError(f"{folders[0]} holds several .keras files, name one: "
                         f"{', '.join(f.name for f in keras_files)}")
    ordered = files if prefer == "savedmodel" else keras_files + files
    return ordered[0]


def run_config(path: Path) -> dict:
    """The `config.json` of the run that made the model at `path`, or {} outside a run."""
    for folder in list(Path(path).resolve().parents)[:4]:
        try:
            with open(folder / "config.json") as f:
                config = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(config, dict) and "experiment" in config:
            return config
    return {}


def stand_in_warning(provenance: dict) -> Optional[str]:
    """One line if the model was trained at smoke scale or on stand-in data, else None."""
    preset, stand_in = provenance.get("preset"), provenance.get("stand_in")
    if preset != "smoke" and not stand_in:
        return None
    what = f"preset {preset!r}" + (f", {stand_in}" if stand_in else "")
    return (f"warning: this model is a stand-in ({what}); its colours do not show what the "
            f"method can do")


class LoadedColorizer:
    """A loaded model: call it (or `.colorize`) on a path, PIL image or uint8 array.

    `description`: one line naming the model; `warning`: a one-line stand-in warning
    or None; `colorize_batch(uint8 (B, H, W, C)) -> uint8 (B, H, W, 3)`."""

    def __init__(self, batch_fn, description: str, warning: Optional[str] = None,
                 name: str = "?"):
        self._batch_fn, self.description, self.warning = batch_fn, description, warning
        self.name = name  # the model's short name, for the mark in written files
        self.saturation = getattr(batch_fn, "saturation", 1.0)

    def with_saturation(self, saturation: float) -> "LoadedColorizer":
        """This colorizer with another chroma gain (the same model, not reloaded)."""
        if saturation == self.saturation:
            return self
        if not hasattr(self._batch_fn, "with_saturation"):
            raise UsageError("an exported model (SavedModel or ONNX) colorizes at saturation "
                             "1; use its .keras file or the shipped model for --saturation")
        return LoadedColorizer(self._batch_fn.with_saturation(saturation), self.description,
                               self.warning, self.name)

    def colorize_batch(self, images) -> np.ndarray:
        return np.asarray(self._batch_fn(np.asarray(images)))

    def colorize(self, x):
        """Path (str or Path) -> PIL RGB image; PIL -> PIL RGB; numpy uint8 (H x W,
        H x W x 1 or H x W x 3) -> numpy uint8 H x W x 3. Always at the input's size."""
        from PIL import Image

        if isinstance(x, (str, os.PathLike)):
            if not Path(x).is_file():
                raise FileNotFoundError(f"image not found: {x}")
            return Image.fromarray(self.colorize_batch(image_io.read_image(x)[None])[0])
        if isinstance(x, Image.Image):
            return Image.fromarray(self.colorize_batch(image_io.from_pil(x)[None])[0])
        if isinstance(x, np.ndarray):
            return self.colorize_batch(image_io.from_array(x)[None])[0]
        raise TypeError(f"expected a path, a PIL image or a numpy array, got {type(x).__name__}")

    __call__ = colorize

    def __repr__(self) -> str:
        return f"<deepcolor colorizer: {self.description}>"


def _shipped(render_size: Optional[int]) -> LoadedColorizer:
    from deepcolor.serving import loaders

    batch, description, provenance = loaders.shipped(render_size)
    name = f"{batch.model.name} (shipped)"
    return LoadedColorizer(batch, description, stand_in_warning(provenance), name)


def _from_file(path: Path, render_size: Optional[int]) -> LoadedColorizer:
    from deepcolor.serving import loaders
    from deepcolor.serving.export import read_metadata

    try:
        if path.is_dir():
            loaded, name = loaders.saved_model(path, render_size)
        else:
            loaded, name = loaders.keras_file(path, render_size)
    except UsageError:
        raise
    except Exception as error:  # a broken or foreign file: one line, not a traceback
        from deepcolor.errors import first_line

        raise UsageError(f"cannot load model {path}: {type(error).__name__}: "
                         f"{first_line(error)}") from None
    metadata = read_metadata(path)
    config = run_config(path)
    provenance = {**{k: config.get(k) for k in ("experiment", "preset", "stand_in")},
                  **metadata.get("provenance", {})}
    space = loaded.colorspace.name if loaded.colorspace is not None else "?"
    origin = f", {provenance['experiment']}/{provenance['preset']}" if provenance.get(
        "experiment") else ""
    description = f"model {name} from {path} ({space}, {loaded.input_size} px{origin})"
    return LoadedColorizer(loaded, description, stand_in_warning(provenance), name)


def _from_onnx(path: Path, render_size: Optional[int]) -> LoadedColorizer:
    """An exported `.onnx` file on onnxruntime: no Keras, TensorFlow or JAX imported."""
    from deepcolor.serving import onnx_runner

    loaded, name, description = onnx_runner.load(path, render_size)
    warning = stand_in_warning(loaded.metadata.get("provenance", {}))
    return LoadedColorizer(loaded, description, warning, name)


def _loaded(path: Optional[Path], render_size: Optional[int]) -> LoadedColorizer:
    """The model at `path` (None: the shipped one), loaded on the runtime it needs."""
    from deepcolor.serving.onnx_runner import is_onnx

    if path is not None and is_onnx(path):
        return _from_onnx(path, render_size)
    if _tensorflow_backend():
        from deepcolor.serving.quiet import import_tensorflow

        import_tensorflow()  # without its C++ start-up lines
    if path is not None:
        return _from_file(path, render_size)
    try:
        return _shipped(render_size)
    except UsageError:
        raise
    except Exception as error:  # missing weights or encoder package: one line
        from deepcolor.errors import first_line

        raise UsageError(f"cannot load the shipped colorizer: {first_line(error)}") from None


_CACHE = {}


def _tensorflow_backend() -> bool:
    from deepcolor.serving.quiet import c_stderr_silenced

    with c_stderr_silenced():  # Keras on TensorFlow imports it: its C++ start-up lines
        import keras

    return keras.backend.backend() == "tensorflow"


def load(model=None, render_size: Optional[int] = None,
         saturation: float = 1.0) -> LoadedColorizer:
    """A reusable colorizer: the shipped one (model=None), or a `.keras` file, SavedModel
    or run folder (see the module doc). Loaded once per process, path and size.

    `render_size`: the model's working size in pixels (default: its training size);
    `saturation`: a gain on the predicted chroma (1 as predicted, 0 gray)."""
    from deepcolor.serving.loaders import check_render_size

    if isinstance(model, LoadedColorizer):
        return model.with_saturation(saturation)
    check_render_size(render_size)
    if not 0 <= saturation <= 4:
        raise UsageError(f"saturation must be between 0 and 4, not {saturation}")
    path = None if model is None else find_model(model).resolve()
    key = (path, render_size)
    if key not in _CACHE:
        _CACHE[key] = _loaded(path, render_size)
    return _CACHE[key].with_saturation(saturation)


def colorize(x, model=None, render_size: Optional[int] = None, saturation: float = 1.0):
    """Colorize one picture at its own size and return the kind given: a path (str or
    Path) gives a PIL RGB image, a PIL image a PIL RGB image, a uint8 numpy array
    (H x W, H x W x 1 or H x W x 3) a uint8 H x W x 3 array. `model`, `render_size`,
    `saturation`: see `load`."""
    return load(model, render_size, saturation)(x)
