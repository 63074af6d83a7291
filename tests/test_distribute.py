"""--strategy mirrored: same training as the default strategy, global batch split over replicas.

Two logical CPU devices stand in for two GPUs. They must be configured before
TensorFlow initialises its devices, so the training runs in a fresh subprocess.
The model is report 004's model 1, which has no batch normalisation: under
MirroredStrategy plain BatchNormalization computes statistics per replica (half
the batch each), which would make the two trajectories differ by more than
float rounding.

Report 003's global batch of 383 is prime, so it never splits evenly, and Keras 3's
distributed `fit` cannot start on an uneven first batch (keras-team/keras#19246);
the runner refuses it up front and the equivalence is checked at 384.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT_BATCH = 383  # report 003's batch: the two replicas would get 192 and 191
GLOBAL_BATCH = 384  # the nearest batch that splits evenly
IMAGES = 2 * GLOBAL_BATCH + 99  # three steps; the last, 99, splits 50 / 49

SCRIPT = r"""
import json, sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import data_pipelines
from deepcolor.train import runner, runtime, loop
from deepcolor.train.config import DataConfig, RunConfig
from deepcolor.train.data import encoder as _enc
from deepcolor.models import registry

folder, out, batch, report_batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
run = RunConfig("distribute", "unet004_model1", DataConfig(source="folder:" + folder,
                image_size=16), batch_size=batch, epochs=1, learning_rate=1e-3)
images, report = data_pipelines.load_images(run.data.source, "train", image_size=16,
                                            validation_fraction=0.0, test_fraction=0.0)
result = {"images": report.num_images}
for name in ("default", "mirrored"):
    keras.utils.set_random_seed(0)
    strategy = runtime.make_strategy(name)
    model = loop.build_model(run, registry.get(run.model), strategy, False)
    # No shuffle: Keras' distributed fit opens an extra iterator (to build the model),
    # which would advance a reshuffling dataset to a different order than the default's.
    batches = data_pipelines.encode_batches(images, _enc("lab"), run.batch_size, shuffle=False)
    first = next(iter(strategy.experimental_distribute_dataset(batches)))[0]
    losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: losses.append(float(logs["loss"])))
    weights = lambda: [x for v in model.trainable_variables
                       for x in keras.ops.convert_to_numpy(v).ravel().tolist()]
    initial = weights()
    model.fit(batches, epochs=1, callbacks=[record], verbose=0)
    in_scope = [strategy.extended.variable_created_in_scope(v.value)
                for v in model.trainable_variables + model.optimizer.variables]
    result[name] = {
        "replicas": strategy.num_replicas_in_sync,
        "replica_batches": [int(t.shape[0]) for t in strategy.experimental_local_results(first)],
        "losses": losses, "initial_weights": initial, "final_weights": weights(),
        "all_in_scope": all(in_scope)}

# Keras itself on the uneven first batch, and the runner's up-front refusal of it.
strategy = runtime.make_strategy("mirrored")
model = loop.build_model(run, registry.get(run.model), strategy, False)
uneven = data_pipelines.encode_batches(images, _enc("lab"), report_batch, shuffle=False)
first = next(iter(strategy.experimental_distribute_dataset(uneven)))[0]
result["report_batch_split"] = [int(t.shape[0]) for t in strategy.experimental_local_results(first)]
try:
    model.fit(uneven, epochs=1, verbose=0)
    result["keras_uneven_error"] = None
except tf.errors.InvalidArgumentError as error:
    result["keras_uneven_error"] = error.message.strip().splitlines()[0]
from tests import tiny_experiment
result["runner_status"] = runner.main(tiny_experiment.EXPERIMENT, [
    "--strategy", "mirrored", "--batch-size", str(report_batch),
    "--results-dir", out + ".results", "--runs-dir", out + ".runs"])
with open(out, "w") as f:
    json.dump(result, f)
"""


@pytest.fixture(scope="module")
def trajectories(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("distribute")
    folder = tmp / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(IMAGES):
        # Smooth random colour fields: something learnable, unlike noise.
        corners = rng.integers(0, 256, (2, 2, 3)).astype(np.uint8)
        Image.fromarray(corners).resize((16, 16), Image.BILINEAR).save(folder / f"{i:04d}.png")
    out = tmp / "result.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
           "KERAS_BACKEND": "tensorflow", "DEEPCOLOR_DATA": str(tmp / "data_dir")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(out),
                           str(GLOBAL_BATCH), str(REPORT_BATCH)],
                          cwd=REPO, env=env, timeout=300, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return {**json.loads(out.read_text()), "stderr": done.stderr}


def test_mirrored_uses_both_devices_and_splits_the_global_batch(trajectories):
    assert trajectories["images"] == IMAGES
    assert trajectories["default"]["replicas"] == 1
    assert trajectories["mirrored"]["replicas"] == 2
    # The dataset batch is the GLOBAL batch: each replica gets half of it ...
    assert trajectories["default"]["replica_batches"] == [GLOBAL_BATCH]
    assert trajectories["mirrored"]["replica_batches"] == [192, 192]
    # ... and an epoch has as many steps as without distribution.
    steps = math.ceil(IMAGES / GLOBAL_BATCH)
    assert len(trajectories["default"]["losses"]) == steps
    assert len(trajectories["mirrored"]["losses"]) == steps


def test_model_and_optimizer_variables_are_created_in_the_strategy_scope(trajectories):
    assert trajectories["mirrored"]["all_in_scope"]
    np.testing.assert_array_equal(trajectories["default"]["initial_weights"],
                                  trajectories["mirrored"]["initial_weights"])


def test_mirrored_loss_trajectory_matches_default(trajectories):
    default = np.array(trajectories["default"]["losses"])
    mirrored = np.array(trajectories["mirrored"]["losses"])
    assert np.all(np.isfinite(default))
    # Same first loss (same weights, same batch), then the same updates up to float
    # summation order; the last batch splits 50 / 49 and Keras averages the two replica
    # means with equal weight, a 1e-4 relative effect on that batch's gradient.
    np.testing.assert_allclose(mirrored[0], default[0], rtol=1e-5)
    np.testing.assert_allclose(mirrored, default, rtol=1e-3)


def test_uneven_report_batch_is_refused_before_training(trajectories):
    # If this fails, Keras handles uneven first batches now: drop runtime.check_batch_split.
    assert trajectories["report_batch_split"] == [192, 191]  # tf.distribute splits it ...
    assert trajectories["keras_uneven_error"] is not None  # ... but Keras fit fails on it
    assert trajectories["runner_status"] == 2
    assert "--batch-size 382 or 384" in trajectories["stderr"]


def test_mirrored_ends_with_the_same_weights(trajectories):
    initial = np.array(trajectories["default"]["initial_weights"])
    default = np.array(trajectories["default"]["final_weights"])
    mirrored = np.array(trajectories["mirrored"]["final_weights"])
    update = np.abs(default - initial).max()
    assert update > 1e-3  # three Adam steps at 1e-3 moved the weights ...
    assert np.abs(mirrored - default).max() < 0.01 * update  # ... the same way in both
