"""deepcolor.train.gan: report 002's cGAN loss, its train/test steps, mixed precision, and
training a cGAN from an earlier run's U-Net through the runner.

tests/test_backend_jax.py reruns this file under KERAS_BACKEND=jax without TensorFlow;
the tests that need TensorFlow (loss scaling, the runner's data path) skip there.
"""
import math
import os

import keras
import numpy as np
import pytest

from deepcolor.errors import UsageError
from deepcolor.train import gan
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment
from deepcolor.models import registry

SIZE = 16
BACKEND = keras.backend.backend()
needs_tensorflow = pytest.mark.skipif(BACKEND != "tensorflow",
                                      reason="TensorFlow only (loss scaling, the runner's data)")


def _tiny_gan(**kwargs):
    generator = registry.build("unet002", input_size=SIZE, base_filters=4)
    discriminator = registry.build("cgan002_discriminator", input_size=SIZE)
    return gan.ConditionalGAN(generator, discriminator, **kwargs)


def _batch(n=4, seed=0):
    rng = np.random.default_rng(seed)
    gray = rng.uniform(-1, 1, (n, SIZE, SIZE, 1)).astype("float32")
    colour = np.tanh(np.concatenate([gray, 0.5 * gray, -gray], axis=-1)).astype("float32")
    return gray, colour


def test_loss_terms_match_a_hand_computation():
    p_real = np.array([[0.9], [0.5]], "float32")
    p_fake = np.array([[0.2], [0.99]], "float32")
    target = np.array([[0.0, 1.0], [1.0, -1.0]], "float32")
    generated = np.array([[0.5, 1.0], [0.0, -1.0]], "float32")
    terms = {k: float(v) for k, v in gan.loss_terms(target, generated, p_real, p_fake).items()}
    # L_GAN = mean of log(p + .01) + log(1 - p^ + .01) over the two pairs:
    # pair 1: log 0.91 + log 0.81 = -0.305032; pair 2: log 0.51 + log 0.02 = -4.585368.
    gan_loss = 0.5 * (math.log(0.91) + math.log(0.81) + math.log(0.51) + math.log(0.02))
    assert gan_loss == pytest.approx(-2.445200, abs=1e-6)
    assert terms["gan_loss"] == pytest.approx(gan_loss, abs=1e-5)
    assert terms["l1"] == pytest.approx(0.375)  # |-.5| + 0 + 1 + 0 over 4 values
    assert terms["g_loss"] == pytest.approx(gan_loss + 50 * 0.375, abs=1e-4)  # 16.3048
    assert terms["d_loss"] == pytest.approx(-gan_loss, abs=1e-5)
    # epsilon keeps a certain, wrong discriminator finite: log(0 + .01) + log(1 - 1 + .01)
    worst = gan.loss_terms(target, target, np.zeros((2, 1)), np.ones((2, 1)), 50, 0.01)
    assert float(worst["gan_loss"]) == pytest.approx(2 * math.log(0.01), abs=1e-5)
    assert float(worst["l1"]) == 0.0


def test_fit_lowers_l1_and_logs_every_term():
    model = _tiny_gan()
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-3))
    gray, colour = _batch()
    history = model.fit(gray, colour, batch_size=4, validation_data=(gray, colour), epochs=8,
                        verbose=0, shuffle=False).history
    for key in ("loss", "g_loss", "d_loss", "gan_loss", "l1", "val_loss", "val_d_loss", "val_l1"):
        assert len(history[key]) == 8 and np.isfinite(history[key]).all(), key
    assert history["l1"][-1] < 0.9 * history["l1"][0]
    np.testing.assert_allclose(history["loss"], history["g_loss"])
    np.testing.assert_allclose(history["g_loss"],
                               np.add(history["gan_loss"], np.multiply(50, history["l1"])),
                               rtol=1e-5)
    # Calling the cGAN runs its generator.
    np.testing.assert_array_equal(model(gray), model.generator(gray))


def test_train_step_updates_both_networks():
    model = _tiny_gan()
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    nets = (model.generator, model.discriminator)
    before = [[np.array(w) for w in net.weights] for net in nets]
    model.train_on_batch(*_batch())
    after = [[np.array(w) for w in net.weights] for net in nets]
    for net, old, new in zip(nets, before, after):
        moved = {w.path for w, a, b in zip(net.weights, old, new) if not np.array_equal(a, b)}
        # every kernel learns, and batch norm's moving statistics follow the batch
        assert {w.path for w in net.trainable_weights if "kernel" in w.path} <= moved, net.name
        assert any("moving_mean" in path for path in moved), net.name
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 1


def test_mixed_bfloat16_trains_without_loss_scaling():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = _tiny_gan()
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    assert not isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    logs = model.train_on_batch(*_batch(), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    assert model.generator.trainable_weights[0].dtype == "float32"  # float32 master weights


@pytest.mark.skipif(BACKEND != "jax", reason="the JAX step's own refusal")
def test_jax_refuses_mixed_float16_in_one_line():
    keras.mixed_precision.set_global_policy("mixed_float16")
    with pytest.raises(UsageError, match="mixed_bfloat16"):
        _tiny_gan().compile()


def test_torch_backend_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(UsageError, match="tensorflow and jax") as error:
        _tiny_gan()
    assert "\n" not in str(error.value)


@needs_tensorflow
def test_mixed_float16_wraps_both_optimizers_in_loss_scaling():
    keras.mixed_precision.set_global_policy("mixed_float16")
    run = RunConfig("cgan", "unet002", DataConfig(image_size=SIZE), trainer="cgan",
                    model_options={"base_filters": 4})
    model = gan.build(run, SIZE)
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.generator.dtype_policy.name == "mixed_float16"
    logs = model.train_on_batch(*_batch(), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # no loss scaling needed
    model = gan.build(run, SIZE)
    assert not isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)


def test_unknown_trainer_options_are_refused():
    run = RunConfig("cgan", "unet002", trainer="cgan", trainer_options={"l1_wieght": 10})
    with pytest.raises(ValueError, match="l1_wieght"):
        gan.build(run, SIZE)


def _experiment(runs):
    def get_config(preset):
        return ExperimentConfig("gan_test", preset, "002", "cGAN runner test", runs,
                                stand_in="sample crops (test)")
    return Experiment("gan_test", "gan_test_experiment", "cGAN from a pretrained U-Net",
                      {"default": "two tiny runs"}, get_config)


@needs_tensorflow
def test_cgan_from_pretrained_unet_through_the_runner(tmp_path):
    """The cGAN's generator starts from the U-Net run's final weights; with learning
    rate 0 its exported generator keeps them exactly (only BN statistics move)."""
    data = DataConfig(source="sample", image_size=SIZE, train_limit=8, eval_limit=4)
    small = {"base_filters": 4}
    runs = [RunConfig("U-Net", "unet002", data, model_options=small, batch_size=4, epochs=1),
            RunConfig("cGAN from U-Net", "unet002", data, model_options=small, batch_size=4,
                      epochs=1, trainer="cgan", init_from="U-Net", learning_rate=0.0)]
    argv = ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")]
    from deepcolor.train import runner

    assert runner.main(_experiment(runs), argv) == 0
    out = tmp_path / "results" / "gan_test" / "default"
    header = (out / "history_01.csv").read_text().splitlines()[0].split(",")
    assert {"d_loss", "g_loss", "l1", "val_loss", "val_l1"} <= set(header)
    run_root = next((tmp_path / "runs" / "gan_test" / "default").iterdir())
    unet, cgan = (keras.models.load_model(run_root / d / "model.keras")
                  for d in ("00-U-Net", "01-cGAN_from_U-Net"))
    assert cgan.name == "unet002" and os.path.isdir(run_root / "01-cGAN_from_U-Net" / "saved_model")
    for a, b in zip(unet.trainable_weights, cgan.trainable_weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_init_from_must_name_an_earlier_run_with_the_same_model(tmp_path, capsys):
    from deepcolor.train import runner

    data = DataConfig(source="sample", image_size=SIZE, train_limit=8, eval_limit=4)
    argv = ["--results-dir", str(tmp_path / "r"), "--runs-dir", str(tmp_path / "w")]
    later = [RunConfig("cGAN", "unet002", data, trainer="cgan", init_from="U-Net"),
             RunConfig("U-Net", "unet002", data)]
    assert runner.main(_experiment(later), argv) == 2
    assert "not an earlier run" in capsys.readouterr().err
    other = [RunConfig("U-Net", "unet003", data),
             RunConfig("cGAN", "unet002", data, trainer="cgan", init_from="U-Net")]
    assert runner.main(_experiment(other), argv) == 2
    assert "cannot start from" in capsys.readouterr().err
    from_gan = [RunConfig("cGAN", "unet002", data, trainer="cgan"),
                RunConfig("U-Net", "unet002", data, init_from="cGAN")]
    assert runner.main(_experiment(from_gan), argv) == 2
    assert "must be a supervised run" in capsys.readouterr().err
