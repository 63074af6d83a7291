"""Report 002, section 3.3: the conditional GAN, trained through `model.fit`.

`ConditionalGAN(generator, discriminator)` is a `keras.Model` whose `train_step`
updates both networks from one forward pass, with the report's losses (section 3.3,
"Loss" and "Numerical Stability"):

    p = Dis(x, y),  p^ = Dis(x, Gen(x))
    L_GAN   = E[log(p + eps) + log(1 - p^ + eps)]          eps = 0.01
    L_total = L_GAN + lambda * L1(y, Gen(x))               lambda = 50

The discriminator maximises L_GAN (it minimises `d_loss = -L_GAN`); the generator
minimises `g_loss = L_total`, the quantity the report plots (figure 9). `loss` in the
logs is `g_loss`, so the runner's loss curves and `final_loss` columns show L_total.
Because eps bounds log(1 - p^ + eps) below by log(0.01) = -4.6, L_total can be
negative once the generator fools the discriminator (the report's remark that the
cGAN's loss "would be much lower, but the contributions are not mainly by minimizing
the L1 loss"). E is the mean over the batch; L1 is the mean absolute error over every
pixel and channel of the generator's target (RGB in [-1, 1] for report 002).

Choices the report leaves open: Adam for both networks at the run's learning rate
(`d_learning_rate` in `RunConfig.trainer_options` overrides the discriminator's);
the discriminator sees the real and the generated pair in two separate calls (as
pix2pix does), so its batch norm never mixes them.

Mixed precision: under the `mixed_float16` policy both optimizers are wrapped in
`keras.optimizers.LossScaleOptimizer` and each loss is scaled before its gradients
are taken. The networks stay TensorFlow-free Keras models; only this trainer uses
`tf.GradientTape` (TensorFlow backend).
"""
from __future__ import annotations

import keras
import tensorflow as tf

# What RunConfig.trainer_options may set for trainer="cgan", and the report's values.
DEFAULTS = {"discriminator": "cgan002_discriminator", "l1_weight": 50.0, "epsilon": 0.01,
            "d_learning_rate": None}
_TRACKED = ("g_loss", "d_loss", "gan_loss", "l1")


def loss_terms(target, generated, p_real, p_fake, l1_weight: float = 50.0,
               epsilon: float = 0.01) -> dict:
    """The report's loss terms for one batch (keras.ops, any backend).

    Returns gan_loss (L_GAN), l1, g_loss (L_total = L_GAN + l1_weight * l1, what the
    generator minimises) and d_loss (-L_GAN, what the discriminator minimises).
    """
    ops = keras.ops
    p_real = ops.cast(p_real, "float32")
    p_fake = ops.cast(p_fake, "float32")
    gan = ops.mean(ops.log(p_real + epsilon) + ops.log(1.0 - p_fake + epsilon))
    l1 = ops.mean(ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32")))
    return {"gan_loss": gan, "l1": l1, "g_loss": gan + l1_weight * l1, "d_loss": -gan}


class ConditionalGAN(keras.Model):
    """Generator + discriminator trained adversarially; calling it runs the generator.

    `generator`: gray (H x W x 1) -> colour target. `discriminator`: [gray, colour] ->
    probability (batch, 1) that the colour image belongs to the gray one.
    Compile with `compile(g_optimizer, d_optimizer)`.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 l1_weight: float = 50.0, epsilon: float = 0.01, **kwargs):
        kwargs.setdefault("name", "conditional_gan")
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = float(l1_weight)
        self.epsilon = float(epsilon)
        self.trackers = [keras.metrics.Mean(name=name) for name in _TRACKED]
        self.g_optimizer = self.d_optimizer = None
        self.built = True  # both networks are built functional models

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        return list(self.trackers)

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Two optimizers (Adam 2e-4 if not given), loss-scaled under mixed_float16."""
        super().compile(optimizer=None, **kwargs)
        optimizers = []
        for optimizer, net in ((g_optimizer, self.generator), (d_optimizer, self.discriminator)):
            optimizer = optimizer or keras.optimizers.Adam(2e-4)
            if (self.dtype_policy.name == "mixed_float16"
                    and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            # Built now so that saved weights (BackupAndRestore) always hold their slots.
            optimizer.build(net.trainable_variables)
            optimizers.append(optimizer)
        self.g_optimizer, self.d_optimizer = optimizers

    def _forward(self, data, training: bool):
        gray, target = data[0], data[1]
        if isinstance(gray, (tuple, list)):
            raise ValueError("ConditionalGAN takes a single gray input, not extra inputs")
        generated = self.generator(gray, training=training)
        p_real = self.discriminator([gray, target], training=training)
        p_fake = self.discriminator([gray, generated], training=training)
        return loss_terms(target, generated, p_real, p_fake, self.l1_weight, self.epsilon)

    def _logs(self, terms) -> dict:
        for tracker in self.trackers:
            tracker.update_state(terms[tracker.name])
        logs = {tracker.name: tracker.result() for tracker in self.trackers}
        logs["loss"] = logs["g_loss"]  # the report's L_total: what the runner plots
        return logs

    def train_step(self, data):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            terms = self._forward(data, training=True)
            g_scaled = self.g_optimizer.scale_loss(terms["g_loss"])
            d_scaled = self.d_optimizer.scale_loss(terms["d_loss"])
        for tape, scaled, net, optimizer in (
                (g_tape, g_scaled, self.generator, self.g_optimizer),
                (d_tape, d_scaled, self.discriminator, self.d_optimizer)):
            variables = net.trainable_variables
            optimizer.apply(tape.gradient(scaled, variables), variables)
        return self._logs(terms)

    def test_step(self, data):
        return self._logs(self._forward(data, training=False))


def build(run, input_size: int, *, jit_compile=False) -> ConditionalGAN:
    """The compiled cGAN of a RunConfig with trainer="cgan": `run.model` is the generator.

    Call inside the distribution strategy's scope.
    """
    from deepcolor.models import registry

    unknown = set(run.trainer_options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"run {run.name!r}: unknown trainer_options {sorted(unknown)}; "
                         f"known: {sorted(DEFAULTS)}")
    options = {**DEFAULTS, **run.trainer_options}
    generator = registry.build(run.model, input_size=input_size, **run.model_options)
    discriminator = registry.build(options["discriminator"], input_size=input_size)
    model = ConditionalGAN(generator, discriminator, options["l1_weight"], options["epsilon"])
    model.compile(keras.optimizers.Adam(run.learning_rate),
                  keras.optimizers.Adam(options["d_learning_rate"] or run.learning_rate),
                  jit_compile=jit_compile)
    return model
