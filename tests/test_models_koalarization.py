"""Report 001's fusion and baseline models, Deep Koalarization, and the frozen backbone."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from deepcolor.errors import BackboneUnavailable
from deepcolor.models import backbone, build, get


def _conv_params(cin, cout, k=3):
    return k * k * cin * cout + cout


def test_fusion001_at_report_size_and_param_count():
    model = build("fusion001")
    assert [tuple(i.shape[1:]) for i in model.inputs] == [(224, 224, 1), (1536,)]
    assert tuple(model.get_layer("fusion").output.shape[1:]) == (28, 28, 256)
    encoder = sum(_conv_params(a, b) for a, b in
                  [(1, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512), (512, 512), (512, 256)])
    fusion = _conv_params(256 + 1536, 256, k=1)
    decoder = sum(_conv_params(a, b) for a, b in [(256, 128), (128, 64), (64, 32), (32, 16), (16, 2)])
    assert model.count_params() == encoder + fusion + decoder


def test_koalarization_original_layers():
    model = build("koalarization")
    assert tuple(model.inputs[1].shape[1:]) == (1000,)
    decoder = sum(_conv_params(a, b) for a, b in [(256, 128), (128, 64), (64, 64), (64, 32), (32, 2)])
    encoder = sum(_conv_params(a, b) for a, b in
                  [(1, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512), (512, 512), (512, 256)])
    assert model.count_params() == encoder + _conv_params(256 + 1000, 256, k=1) + decoder


def test_baseline001_layers_and_params():
    model = build("baseline001")
    batch_norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(batch_norms) == 9 and {l.momentum for l in batch_norms} == {0.9}
    assert sum(isinstance(l, keras.layers.MaxPooling2D) for l in model.layers) == 2
    filters = [1, 16, 32, 64, 128, 256, 128, 64, 64, 32, 2]
    convs = sum(_conv_params(a, b) for a, b in zip(filters, filters[1:]))
    batch_norm = 4 * sum(filters[1:-1])  # gamma, beta, moving mean, moving variance
    assert model.count_params() == convs + batch_norm


def test_registry_metadata():
    spec = get("fusion001")
    assert spec.report == "001" and spec.extra_inputs == ("embedding",)
    assert spec.colorspace["name"] == "lab"
    with pytest.raises(ValueError, match="multiple of 8"):
        build("fusion001", input_size=36)


def test_embedder_random_init_is_frozen_and_attaches():
    embedder = backbone.build_embedder(32, weights=None, embedding="pooled")
    assert embedder.output.shape[-1] == 1536 and not embedder.trainable_weights
    head = build("fusion001", input_size=32)
    full = backbone.attach(head, embedder)
    gray = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    direct = head([gray, embedder(gray).numpy()]).numpy()
    np.testing.assert_allclose(full(gray).numpy(), direct, atol=1e-5)
    assert len(full.trainable_weights) == len(head.trainable_weights)


def test_imagenet_offline_gives_one_line_error(monkeypatch):
    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure on https://example: [Errno -2] Name or service not known")

    monkeypatch.setattr("keras.src.utils.file_utils.get_file", no_network)
    monkeypatch.setattr("keras.utils.get_file", no_network)
    with pytest.raises(BackboneUnavailable) as err:
        backbone.build_embedder(32, arch="vgg16", weights="imagenet", embedding="logits")
    assert "\n" not in str(err.value) and "--backbone-weights" in str(err.value)


def test_local_weights_file_is_loaded(tmp_path):
    source = backbone.build_embedder(32, arch="vgg16", weights=None, embedding="pooled")
    vgg = [l for l in source.layers if l.name.startswith("vgg16")][0]
    path = tmp_path / "vgg16_notop.weights.h5"
    vgg.save_weights(path)
    again = backbone.build_embedder(32, arch="vgg16", weights=str(path), embedding="pooled")
    gray = np.random.default_rng(1).uniform(-1, 1, (1, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(again(gray).numpy(), source(gray).numpy(), rtol=1e-5, atol=1e-5)


def test_local_tf_hub_module_is_used(tmp_path):
    """A TF Hub module folder (a TF2 SavedModel) serves as the backbone via tensorflow-hub."""

    class Tiny(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32)])
        def __call__(self, images):
            return tf.concat([tf.reduce_mean(images, [1, 2]), tf.reduce_max(images, [1, 2])], -1)

    path = str(tmp_path / "hub_module")
    tf.saved_model.save(Tiny(), path)
    embedder = backbone.build_embedder(32, weights=path)
    gray = np.full((2, 32, 32, 1), 0.25, "float32")
    np.testing.assert_allclose(embedder(gray).numpy(), np.full((2, 6), 0.25), atol=1e-5)
