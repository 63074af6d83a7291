"""Image data for training: source -> decode -> resize -> normalise -> colour-space encode
-> batch, on two paths that give the same splits and pixels:

* tf.data (`pipeline`: `load_images`, `encode_batches`), under the TensorFlow backend;
* numpy + PIL (`arrays.load_arrays`, `array_batches.encode_batches`), for any Keras
  backend, with no TensorFlow installed (JAX GPU machines).

Sources (string specs), all listed in `registry.SOURCES`: `tfds:NAME[:SPLIT]` (tf.data
only), `folder:PATH`, `cifar10-jpg` (the offline CIFAR-10 copy in ../shared/datasets),
`photos` (362 real photographs there, split by file), `sample` (photos shipped inside
the scikit-image and scikit-learn wheels, a stand-in that works on any fresh install),
and one per report dataset as published (`fruits360:PATH`, `mirflickr25k:PATH`, ...;
`published/`), which `check.check_source` verifies before training.

Importing this package imports no TensorFlow: the tf.data functions load on first use.
"""
from data_pipelines.report import DataSourceError, SourceReport
from data_pipelines.rules import epoch_seed, steps_per_epoch

_TF_DATA = ("load_images", "encode_batches", "encode_fn")

__all__ = ["DataSourceError", "SourceReport", "load_images", "encode_batches", "encode_fn",
           "epoch_seed", "steps_per_epoch"]


def __getattr__(name):
    if name in _TF_DATA:  # the tf.data path, imported (with TensorFlow) when first asked for
        from data_pipelines import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module 'data_pipelines' has no attribute {name!r}")
