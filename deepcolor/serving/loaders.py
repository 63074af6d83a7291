"""Load a colorizer for `deepcolor.load`: the shipped model, a `.keras` file (any Keras
backend) or a SavedModel (TensorFlow), each as a batch function uint8 (B, H, W, C) ->
uint8 (B, H, W, 3), a one-line description and its provenance.

The shipped model and `.keras` files run `render.colorize_images` eagerly on the
running Keras backend, so a JAX-only machine colorizes without TensorFlow; a
SavedModel runs the same function traced into its graph.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from deepcolor.errors import UsageError

RENDER_SIZES = (16, 2048)  # working sizes accepted; the photo itself may be any size


def check_render_size(render_size: Optional[int]) -> None:
    if render_size is not None and not RENDER_SIZES[0] <= render_size <= RENDER_SIZES[1]:
        raise UsageError(f"render size must be between {RENDER_SIZES[0]} and "
                         f"{RENDER_SIZES[1]} pixels, not {render_size}")


def shipped(render_size: Optional[int] = None) -> Tuple[object, str, dict]:
    """The shipped colorizer at its training size or at `render_size` (a multiple of 32)."""
    from deepcolor.serving import pretrained
    from deepcolor.serving.render import KerasColorizer

    manifest = pretrained.read_manifest()
    if render_size is not None and render_size % 32:
        raise UsageError(f"the shipped colorizer works at multiples of 32 pixels; "
                         f"--render-size {render_size} is not one")
    keras_model = pretrained.load_shipped_colorizer(input_size=render_size)
    size = render_size or manifest["input_size"]
    encoder = manifest.get("encoder", "pretrained encoder").split(",")[0]
    description = (f"shipped colorizer {manifest['model']} ({encoder} + U-Net, trained by "
                   f"{manifest.get('command', 'python -m experiments.pretrained_colorizer')})"
                   + (f", rendering at {size} px" if render_size else ""))
    label = str(manifest.get("data", {}).get("label", ""))
    provenance = {"preset": manifest.get("preset") or ("smoke" if "smoke" in label else None),
                  "stand_in": manifest.get("stand_in")}
    return KerasColorizer(keras_model, manifest["colorspace"], size), description, provenance


def keras_file(path: Path, render_size: Optional[int] = None):
    """(KerasColorizer, model name) for a `.keras` file and its sidecar metadata."""
    import keras

    import deepcolor.models  # noqa: F401  registers the suite's custom layers, if any
    from deepcolor.serving.contract import check_outputs
    from deepcolor.serving.export import read_metadata
    from deepcolor.serving.render import KerasColorizer, model_at_size

    meta = read_metadata(path)
    if "colorspace" not in meta:
        raise ValueError(f"{path}: colour space unknown; put {path.name}.json (written by "
                         f"save_keras_with_metadata) next to the model")
    model = keras.models.load_model(path, compile=False)
    colorspace, size = check_outputs(model, meta["colorspace"], meta.get("input_size"))
    if render_size is not None and render_size != size:
        model, size = model_at_size(model, render_size), render_size
    return KerasColorizer(model, colorspace, size), model.name


def saved_model(path: Path, render_size: Optional[int] = None):
    """(SavedModelColorizer, model name); its working size is fixed in the graph."""
    from deepcolor.serving.export import SavedModelColorizer, read_metadata
    from deepcolor.serving.quiet import import_tensorflow

    import_tensorflow()
    loaded = SavedModelColorizer(path)
    if render_size is not None and render_size != loaded.input_size:
        raise UsageError(f"{path} is a SavedModel fixed at {loaded.input_size} px; "
                         f"--render-size needs the .keras file or the shipped model")
    return loaded, read_metadata(path).get("model_name") or "?"
