"""tf.data pipelines: source -> decode -> resize -> normalise -> colour-space encode -> batch.

Sources (string specs): `tfds:NAME[:SPLIT]`, `folder:PATH`, `cifar10-jpg` (the offline
CIFAR-10 copy in ../shared/datasets), `photos` (362 real photographs there, split by
file) and `sample` (photos shipped inside the scikit-image and scikit-learn wheels,
a stand-in that works on any fresh install).
"""
from data_pipelines.pipeline import (encode_batches, encode_fn, epoch_seed, load_images,
                                     steps_per_epoch)
from data_pipelines.report import DataSourceError, SourceReport

__all__ = ["DataSourceError", "SourceReport", "load_images", "encode_batches", "encode_fn",
           "epoch_seed", "steps_per_epoch"]
