"""deepcolor: reproductions of five reports on automatic grayscale-image colorization.

    import deepcolor
    colorized = deepcolor.colorize("photo.jpg")     # PIL image, the photo's size
    colorizer = deepcolor.load()                     # load once, colorize many
    arrays = [colorizer(a) for a in gray_arrays]     # numpy in, numpy out

Importing the package is light: TensorFlow and Keras load on the first colorization.
"""
import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) hides our own output.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"


def load(model=None, render_size=None, saturation=1.0):
    """A reusable colorizer, loaded once: call it (or its `.colorize`) on many pictures.

    `model`: None for the shipped colorizer; a `.keras` file, a SavedModel directory,
    or a run folder (`runs/<experiment>/<preset>/<stamp>/` or a run's model folder
    inside it) holding one model. Its `description` names the model, its `warning`
    says if it was trained at smoke scale or on stand-in data.

    `render_size`: the model's working resolution in pixels (default: the size it was
    trained at; see the README for the trade-off). `saturation`: a gain on the
    predicted colour, 0 (gray) to 4 (default 1, as predicted)."""
    from deepcolor.serving.api import load as _load

    return _load(model, render_size, saturation)


def colorize(x, model=None, render_size=None, saturation=1.0):
    """Colorize one picture at its own size, returning the kind given.

    `x`: a path (str or Path) -> a PIL RGB image (nothing is written); a PIL image ->
    a PIL RGB image; a uint8 numpy array H x W, H x W x 1 or H x W x 3 -> a uint8
    H x W x 3 array. A colour input is colorized from its luminance. `model`,
    `render_size`, `saturation`: as for `load` (loaded once per process and kept)."""
    from deepcolor.serving.api import colorize as _colorize

    return _colorize(x, model, render_size, saturation)


__all__ = ["colorize", "load", "__version__"]
