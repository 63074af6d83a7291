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

Backends: `train_step` is written twice around the shared `loss_terms`, picked by
`keras.backend.backend()`. TensorFlow: two `tf.GradientTape`s. JAX: Keras' stateless
pattern (`stateless_call`, `jax.vjp` of (g_loss, d_loss) over both networks' weights,
`optimizer.stateless_apply`, the updated state tuple returned), one forward pass for
both gradients as under TensorFlow. The torch backend is refused with one line.

Mixed precision: under TensorFlow's `mixed_float16` both optimizers are wrapped in
`keras.optimizers.LossScaleOptimizer` and each loss is scaled before its gradients
are taken. Under JAX the trainer takes `mixed_bfloat16` (or float32) only: bfloat16
keeps float32's exponent range, so no loss scaling is needed.
"""
from __future__ import annotations

import keras

from deepcolor.errors import UsageError

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
        if keras.backend.backend() not in ("tensorflow", "jax"):
            raise UsageError("the cGAN trainer supports the tensorflow and jax Keras backends, "
                             f"not {keras.backend.backend()!r}")
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
        if keras.backend.backend() == "jax":
            if self.dtype_policy.name == "mixed_float16":
                raise UsageError("under JAX the cGAN trainer runs in float32 or mixed_bfloat16 "
                                 "(no loss scaling); mixed_float16 is TensorFlow-only")
            # Keras' JAX fit carries `self.optimizer.variables` through the step: both sets.
            self.optimizer = _OptimizerPair(self.g_optimizer, self.d_optimizer)

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

    def train_step(self, *args):
        """TensorFlow: train_step(data) -> logs. JAX: train_step(state, data) -> (logs, state)."""
        if keras.backend.backend() == "jax":
            return self._jax_train_step(*args)
        import tensorflow as tf

        (data,) = args
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

    def test_step(self, *args):
        if keras.backend.backend() == "jax":
            return self._jax_test_step(*args)
        return self._logs(self._forward(args[0], training=False))

    # --- JAX: Keras' stateless pattern. state = (trainable, non_trainable, optimizer
    # variables, metric variables) as flat lists in the model's own order.

    def _split(self, values, kind: str):
        """The generator's and the discriminator's share of a flat list of `kind` values."""
        own = {id(v): i for i, v in enumerate(getattr(self, kind))}
        return [[values[own[id(v)]] for v in getattr(net, kind)]
                for net in (self.generator, self.discriminator)]

    def _merge(self, values, parts, kind: str):
        own = {id(v): i for i, v in enumerate(getattr(self, kind))}
        merged = list(values)
        for net, new in zip((self.generator, self.discriminator), parts):
            for v, value in zip(getattr(net, kind), new):
                merged[own[id(v)]] = value
        return merged

    def _stateless_forward(self, trainable, frozen, data, training: bool):
        """The loss terms and the networks' updated non-trainable values (BN, RNG)."""
        gray, target = data[0], data[1]
        (g_train, d_train), (g_frozen, d_frozen) = trainable, frozen
        generated, g_frozen = self.generator.stateless_call(
            g_train, g_frozen, gray, training=training)
        p_real, d_frozen = self.discriminator.stateless_call(
            d_train, d_frozen, [gray, target], training=training)
        p_fake, d_frozen = self.discriminator.stateless_call(
            d_train, d_frozen, [gray, generated], training=training)
        terms = loss_terms(target, generated, p_real, p_fake, self.l1_weight, self.epsilon)
        return terms, [g_frozen, d_frozen]

    def _stateless_logs(self, terms, metric_values):
        logs, updated, start = {}, [], 0
        for tracker in self.trackers:
            count = len(tracker.variables)
            values = tracker.stateless_update_state(metric_values[start:start + count],
                                                    terms[tracker.name])
            logs[tracker.name] = tracker.stateless_result(values)
            updated += list(values)
            start += count
        logs["loss"] = logs["g_loss"]
        return logs, updated

    def _jax_train_step(self, state, data):
        import jax
        import jax.numpy as jnp

        trainable, non_trainable, optimizer_values, metric_values = state
        frozen = self._split(non_trainable, "non_trainable_variables")

        def losses(g_train, d_train):
            terms, new_frozen = self._stateless_forward((g_train, d_train), frozen, data, True)
            return (terms["g_loss"], terms["d_loss"]), (terms, new_frozen)

        g_train, d_train = self._split(trainable, "trainable_variables")
        # One forward pass; each loss is pulled back to its own network's weights only.
        (g_loss, _), backward, (terms, frozen) = jax.vjp(losses, g_train, d_train,
                                                         has_aux=True)
        one, zero = jnp.ones_like(g_loss), jnp.zeros_like(g_loss)
        g_grads, d_grads = backward((one, zero))[0], backward((zero, one))[1]
        split = len(self.g_optimizer.variables)
        g_train, g_opt = self.g_optimizer.stateless_apply(optimizer_values[:split], g_grads,
                                                          g_train)
        d_train, d_opt = self.d_optimizer.stateless_apply(optimizer_values[split:], d_grads,
                                                          d_train)
        logs, metric_values = self._stateless_logs(terms, metric_values)
        return logs, (self._merge(trainable, [g_train, d_train], "trainable_variables"),
                      self._merge(non_trainable, frozen, "non_trainable_variables"),
                      list(g_opt) + list(d_opt), metric_values)

    def _jax_test_step(self, state, data):
        trainable, non_trainable, metric_values = state
        terms, _ = self._stateless_forward(
            self._split(trainable, "trainable_variables"),
            self._split(non_trainable, "non_trainable_variables"), data, False)
        logs, metric_values = self._stateless_logs(terms, metric_values)
        return logs, (trainable, non_trainable, metric_values)


class _OptimizerPair:
    """What Keras' JAX trainer reads of `model.optimizer`: the variables, generator's first."""

    built = True  # both optimizers are built in `compile`

    def __init__(self, g_optimizer, d_optimizer):
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    @property
    def variables(self):
        return list(self.g_optimizer.variables) + list(self.d_optimizer.variables)


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
