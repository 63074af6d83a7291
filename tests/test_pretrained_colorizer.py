"""The shipped colorizer: model `effnet_unet`, its shipped decoder, colorize_image, the smoke preset."""
import json
import os

import numpy as np
import pytest

from deepcolor.serving import pretrained
from deepcolor.colorspaces import rgb_to_lab
from deepcolor.models import registry
from deepcolor.train import runner
from experiments import pretrained_colorizer as experiment


@pytest.mark.parametrize("size", [64, 96])
def test_model_builds_at_multiples_of_32(size):
    model = registry.build("effnet_unet", input_size=size, weights=None)
    gray = np.random.uniform(-1, 1, (2, size, size, 1)).astype("float32")
    ab = model(gray, training=False)
    assert tuple(ab.shape) == (2, size, size, 2)
    assert ab.dtype.name == "float32"
    assert np.all(np.abs(np.asarray(ab)) <= 1.0)
    # Only the decoder trains: the encoder is frozen.
    assert all(not w.path.startswith("encoder") for w in model.trainable_weights)
    assert 0 < sum(int(np.prod(w.shape)) for w in model.trainable_weights) < model.count_params()


def test_model_rejects_sizes_not_multiple_of_32():
    with pytest.raises(ValueError, match="multiple of 32"):
        registry.build("effnet_unet", input_size=80, weights=None)


def test_shipped_weights_fit_the_manifest_architecture():
    path = pretrained.ASSETS / pretrained.DECODER_FILE
    assert path.exists() and path.stat().st_size < 5 * 1024 * 1024
    manifest = pretrained.read_manifest()
    arrays = pretrained.read_decoder()
    assert all(a.dtype == np.float16 for a in arrays.values())
    model = registry.build(manifest["model"], input_size=manifest["input_size"], weights=None)
    gray = np.linspace(-1, 1, manifest["input_size"] ** 2, dtype="float32").reshape(
        1, manifest["input_size"], manifest["input_size"], 1)
    before = model.predict(gray, verbose=0)
    assigned = pretrained.assign_decoder(model, arrays)
    expected = {name: [list(w.shape) for w in model.get_layer(name).weights]
                for name in manifest["decoder_layers"]}
    assert expected == manifest["decoder_layers"]
    assert assigned == len(arrays) == sum(len(v) for v in expected.values())
    after = model.predict(gray, verbose=0)
    assert not np.allclose(before, after)  # the weights changed what the model does
    names = {row["run"] for row in manifest["test_metrics"]}
    assert experiment.RUN in names and experiment.NO_COLOUR in names


def test_missing_decoder_weights_are_one_clear_error():
    model = registry.build("effnet_unet", input_size=64, weights=None)
    arrays = pretrained.decoder_arrays(model)
    arrays.pop(sorted(arrays)[0])
    with pytest.raises(pretrained.ShippedColorizerError, match="missing"):
        pretrained.assign_decoder(model, arrays)


@pytest.fixture(scope="module")
def shipped_model():
    return pretrained.load_shipped_colorizer(input_size=64, weights=None)  # fast: random encoder


@pytest.mark.parametrize("shape", [(45, 70), (45, 70, 1), (37, 29, 3)])
def test_colorize_image_keeps_size_and_lightness(shipped_model, shape):
    image = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    out = pretrained.colorize_image(image, model=shipped_model)
    assert out.dtype == np.uint8 and out.shape == shape[:2] + (3,)
    rgb_in = image if image.ndim == 3 and image.shape[-1] == 3 else \
        np.repeat(image.reshape(shape[:2] + (1,)), 3, axis=-1)
    l_in = np.asarray(rgb_to_lab(rgb_in))[..., 0]
    l_out = np.asarray(rgb_to_lab(out))[..., 0]
    assert np.percentile(np.abs(l_out - l_in), 95) < 2.0  # L levels, 0-100


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.float32), np.zeros((8, 8, 4), np.uint8),
                                 np.zeros((8,), np.uint8)])
def test_colorize_image_bad_input_is_one_line(shipped_model, bad):
    with pytest.raises(ValueError) as err:
        pretrained.colorize_image(bad, model=shipped_model)
    assert "\n" not in str(err.value)


def test_shipping_is_the_experiments_named_step_not_a_summary_hook():
    assert experiment.EXPERIMENT.ship_weights is experiment.ship
    assert experiment.EXPERIMENT.summary is None


def test_smoke_preset_runs_and_exports(tmp_path, capsys):
    argv = ["--preset", "smoke", "--results-dir", str(tmp_path / "results"),
            "--runs-dir", str(tmp_path / "runs")]
    assert runner.main(experiment.EXPERIMENT, argv) == 0
    # The runner ran the ship step after the results; a smoke run ships nothing.
    assert "shipped: (only the default preset is shipped)" in capsys.readouterr().out
    out = tmp_path / "results" / "pretrained_colorizer" / "smoke"
    rows = (out / "table.csv").read_text()
    assert experiment.RUN in rows and experiment.NO_COLOUR in rows and "mean ab" in rows
    assert len(json.loads((out / "verdicts.json").read_text())) == len(experiment.CLAIMS)
    # The export writes the decoder and a manifest; loading them reproduces the model.
    assets = tmp_path / "assets"
    checkpoint = experiment.checkpoint_of(str(out))
    pretrained.export_shipped(checkpoint, str(out), assets=assets)
    manifest = pretrained.read_manifest(assets)
    assert manifest["input_size"] == 32 and manifest["test_metrics"]
    assert manifest["encoder_arch"] == "efficientnet_lite0"
    assert manifest["encoder"].startswith("EfficientNet-Lite0,")
    trained = registry.build("effnet_unet", input_size=32, weights=None)
    trained.load_weights(checkpoint)
    loaded = pretrained.load_shipped_colorizer(weights=None, assets=assets)
    # Same random-encoder init needs the same seed: copy the encoder, compare the decoder.
    loaded.get_layer("encoder").set_weights(trained.get_layer("encoder").get_weights())
    gray = np.random.uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(gray, verbose=0), trained.predict(gray, verbose=0),
                               atol=2e-2)
    assert os.path.getsize(assets / pretrained.DECODER_FILE) < pretrained.MAX_BYTES


def test_manifest_lists_only_the_runs_the_shipped_weights_came_from():
    from deepcolor.serving.pretrained import _lineage

    runs = [{"name": "pre"}, {"name": "a", "init_from": "pre"}, {"name": "b", "init_from": "pre"},
            {"name": "c", "init_from": "b"}]
    assert [r["name"] for r in _lineage(runs, runs[3])] == ["pre", "b", "c"]
    assert [r["name"] for r in _lineage(runs, runs[0])] == ["pre"]


# --- effnet_unet on EfficientNet-Lite2 (issue 24) ----------------------------------------

LITE2 = "efficientnet_lite2"


def test_lite2_model_trains_one_step_through_the_runner(tmp_path, monkeypatch):
    """RunConfig(effnet_unet, backbone arch efficientnet_lite2, ImageNet weights): the
    runner builds the Lite2 encoder with the packaged weights, keeps it frozen and trains
    the decoder."""
    from deepcolor.models import efficientnet_lite as lite
    from deepcolor.train import loop, rundirs
    from deepcolor.train.config import BackboneConfig, DataConfig, RunConfig

    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data"))
    run = RunConfig("lite2", "effnet_unet", DataConfig(source="sample", image_size=32,
                                                       train_limit=8, eval_limit=4),
                    loss="huber", batch_size=8, epochs=1,
                    backbone=BackboneConfig(arch=LITE2, weights="imagenet"))
    result = loop.train_run(run, str(tmp_path / "run"), export=False, log=lambda *_: None)
    assert np.isfinite(result.history["loss"]).all() and len(result.history["loss"]) == 1
    trained = registry.build("effnet_unet", input_size=32, weights=None, encoder_arch=LITE2)
    trained.load_weights(rundirs.kept_checkpoint(result.run_dir, run.checkpoint))
    reference = lite.build_efficientnet_lite(arch=LITE2, weights="imagenet")
    encoder = trained.get_layer("encoder")
    for name in ("stem_conv", "block20_dw_conv", "head_bn"):  # block20: Lite2 only
        for ours, ref in zip(encoder.get_layer(name).get_weights(),
                             reference.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, ref)  # ImageNet weights, untouched


def test_the_encoder_arch_travels_in_the_backbone_config():
    from deepcolor.errors import UsageError
    from deepcolor.train import loop
    from deepcolor.train.config import BackboneConfig, RunConfig

    spec = registry.get("effnet_unet")
    run = RunConfig("x", "effnet_unet", backbone=BackboneConfig(arch=LITE2, weights=None))
    assert loop.model_options(run, spec) == {"weights": None, "encoder_arch": LITE2}
    misplaced = RunConfig("y", "effnet_unet", model_options={"encoder_arch": LITE2})
    with pytest.raises(UsageError, match=r"BackboneConfig\(arch=") as err:
        loop.model_options(misplaced, spec)
    assert "\n" not in str(err.value)


def test_unknown_encoder_arch_is_one_line():
    from deepcolor.errors import BackboneUnavailable

    with pytest.raises(BackboneUnavailable, match="efficientnet_lite0, efficientnet_lite2"):
        registry.build("effnet_unet", input_size=32, weights=None,
                       encoder_arch="inception_resnet_v2")


def test_shipped_lite2_decoder_loads_onto_a_lite2_encoder(tmp_path):
    """A manifest naming encoder_arch efficientnet_lite2 builds Lite2 under the decoder;
    Lite0's manifest (no encoder_arch, as today's) still builds Lite0."""
    model = registry.build("effnet_unet", input_size=32, weights=None, encoder_arch=LITE2)
    arrays = pretrained.decoder_arrays(model)
    np.savez_compressed(tmp_path / pretrained.DECODER_FILE, **arrays)
    manifest = {"model": "effnet_unet", "input_size": 32, "encoder_arch": LITE2,
                "colorspace": registry.get("effnet_unet").colorspace}
    (tmp_path / pretrained.MANIFEST_FILE).write_text(json.dumps(manifest))
    loaded = pretrained.load_shipped_colorizer(weights=None, assets=tmp_path)
    encoder = loaded.get_layer("encoder")
    assert encoder.get_layer("block20_dw_conv") is not None  # Lite0 has 16 blocks
    assert encoder.output[3].shape[-1] == 120  # Lite2's stride-16 tap (Lite0: 112)
    for key, array in pretrained.decoder_arrays(loaded).items():
        np.testing.assert_array_equal(array, arrays[key])
    del manifest["encoder_arch"]  # a manifest from before the field: Lite0's decoder
    (tmp_path / pretrained.MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(pretrained.ShippedColorizerError, match="shapes differ"):
        pretrained.load_shipped_colorizer(weights=None, assets=tmp_path)
