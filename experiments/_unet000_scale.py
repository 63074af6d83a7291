"""Report 000's claim 2 in detail: how much of "UV loss < RGB loss" is the targets' scale.

Helpers of experiments/unet_colorspace.py (its `observations`), kept apart to keep that
module short; the leading underscore keeps this file out of the experiment modules.
The gray prediction (zero chroma) is the same RGB image in both colour spaces, so the
ratio of its RGB and UV losses is the pure scale factor between the two target spaces.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from deepcolor.train.config import DataConfig, RunConfig, colorspace_of

CLAIMS = {"similar": "simple and complex UNets end with similar losses (same colour space)",
          "uv_lower": "UV output has significantly lower loss than RGB output"}
PSNR_SAME_WITHIN = 0.5  # dB: RGB PSNR gaps this small we call "no difference"
VARIANTS = ("simple", "complex")  # section 4: max-pool/upsample vs stride-2/transposed conv
_VARIANT_OF = {f"unet000_{v}_{s}": v for v in VARIANTS for s in ("rgb", "yuv")}


def _key(run: RunConfig):
    """(dataset label, variant, colour space, loss) of one of our runs."""
    return run.data.label, _VARIANT_OF[run.model], colorspace_of(run)["name"], run.loss


def gray_baseline(data: DataConfig, seed: int = 0) -> Dict[str, Dict[str, float]]:
    """Loss of predicting the gray image (zero chroma) on the test split, per colour space.

    Both spaces' gray predictions decode to the same RGB image, so the ratio of their
    losses is the pure scale factor between RGB [-1, 1] and UV targets. Also its RGB
    PSNR ("psnr", mean over images, as the runner's column): what a model must beat.
    """
    import data_pipelines
    from deepcolor import metrics
    from deepcolor.colorspaces import get_colorspace, rgb_to_gray
    from deepcolor.models.families.unet_colorspace import RGB, YUV

    images, _ = data_pipelines.load_images(
        data.source, "test", image_size=data.image_size, resize=data.resize,
        limit=data.eval_limit, seed=seed, validation_fraction=data.validation_fraction,
        test_fraction=data.test_fraction)
    sums: Dict[str, Dict[str, float]] = {"rgb": {"mse": 0.0, "l1": 0.0},
                                         "yuv": {"mse": 0.0, "l1": 0.0}}
    count = {"rgb": 0, "yuv": 0}
    psnr_sum, num_images = 0.0, 0
    for batch in images.batch(1000):
        gray_rgb = np.repeat(rgb_to_gray(batch).numpy(), 3, axis=-1)
        psnr_sum += metrics.psnr(batch.numpy(), gray_rgb) * len(gray_rgb)
        num_images += len(gray_rgb)
        for name, spec in (("rgb", RGB), ("yuv", YUV)):
            space = get_colorspace(spec)
            target = space.encode(batch)[1].numpy()
            pred = space.encode(gray_rgb)[1].numpy()
            sums[name]["mse"] += float(np.sum((pred - target) ** 2))
            sums[name]["l1"] += float(np.sum(np.abs(pred - target)))
            count[name] += target.size
    out = {name: {k: v / count[name] for k, v in d.items()} for name, d in sums.items()}
    return {**out, "psnr": psnr_sum / num_images}


def _uv_verdicts(by_key, labels, baselines) -> List[str]:
    out = []
    for label in labels:
        base = baselines.get(label)
        lower = pairs = 0
        gaps, texts = [], []
        for variant in ("simple", "complex"):
            for loss in ("mse", "l1"):
                r, y = by_key.get((label, variant, "rgb", loss)), by_key.get((label, variant, "yuv", loss))
                if not (r and y):
                    continue
                pairs += 1
                ratio = r["test_loss"] / y["test_loss"]
                lower += ratio > 1
                gaps.append(y["psnr"] - r["psnr"])
                scaled = (f" ({ratio / (base['rgb'][loss] / base['yuv'][loss]):.2f}x after "
                          f"dividing by the scale factor)" if base else "")
                texts.append(f"{variant} {loss.upper()}: RGB/UV test loss {ratio:.2f}x{scaled}, "
                             f"PSNR RGB {r['psnr']:.2f} vs UV {y['psnr']:.2f} dB, CIEDE2000 "
                             f"{r['ciede2000']:.2f} vs {y['ciede2000']:.2f}")
        if not pairs:
            continue
        out.append(f"{label}: claim 2 '{CLAIMS['uv_lower']}': in raw test loss UV is lower in "
                   f"{lower} of {pairs} pairs: " + "; ".join(texts) + ".")
        scale = ""
        if base:
            scale = (f"The gray prediction (zero chroma: the same RGB image in both spaces) "
                     f"already has an RGB/UV loss ratio of {base['rgb']['mse'] / base['yuv']['mse']:.1f}x "
                     f"(MSE) and {base['rgb']['l1'] / base['yuv']['l1']:.1f}x (L1) on this test "
                     f"split: that much is target scale (RGB targets span [-1, 1], U +-0.436, "
                     f"V +-0.615), not better colour. ")
        better = sum(g > PSNR_SAME_WITHIN for g in gaps)
        worse = sum(g < -PSNR_SAME_WITHIN for g in gaps)
        span = f"UV minus RGB PSNR {min(gaps):+.2f} to {max(gaps):+.2f} dB"
        if better == pairs:
            common = (f"UV output is better beyond scale in every pair ({span}); part of it is "
                      f"that the UV model keeps the input's Y exactly, while the RGB model must "
                      f"reproduce the luminance")
        elif better == 0:
            common = (f"UV output is no better ({span}; {pairs - worse} of {pairs} pairs within "
                      f"{PSNR_SAME_WITHIN} dB, {worse} worse), so the lower UV loss is only a "
                      f"matter of scale here")
        else:
            common = (f"UV output is better beyond {PSNR_SAME_WITHIN} dB in {better} of {pairs} "
                      f"pairs and within it or worse in the others ({span}): partly scale")
        out.append(f"{label}: is claim 2 only scale? {scale}In a common space (RGB PSNR), "
                   f"{common}.")
    return out


def _against_gray(label, base, by_key) -> str:
    """Do the trained models beat predicting no colour at all, in their loss and in PSNR?"""
    ours = {k[1:]: m for k, m in by_key.items() if k[0] == label}
    gains = [1 - m["test_loss"] / base[space][loss] for (_, space, loss), m in ours.items()]
    text = (f"{label}: against the gray prediction, {sum(g > 0 for g in gains)} of {len(gains)} "
            f"models have a lower test loss in their own space and loss (by {min(gains):+.0%} "
            f"to {max(gains):+.0%})")
    if "psnr" in base:
        best = max(m["psnr"] for m in ours.values())
        above = sum(m["psnr"] > base["psnr"] for m in ours.values())
        text += (f"; {above} of {len(gains)} have a higher mean RGB PSNR (best {best:.2f} dB vs "
                 f"gray {base['psnr']:.2f} dB; gray scores very high PSNR on near-gray images, "
                 f"which lifts its per-image mean)")
    return text + "."


def observations(results, config, baseline_fn=gray_baseline) -> list:
    """The claims' numbers in detail, raw and in a common (RGB) space, with the gray
    prediction as the scale reference (first seed of each run)."""
    by_name = {name: per_seed[0].metrics for name, per_seed in results.items() if per_seed}
    by_key = {_key(run): by_name[run.name] for run in config.runs if run.name in by_name}
    labels = list(dict.fromkeys(run.data.label for run in config.runs))
    baselines: Dict[str, Optional[dict]] = {}
    for label in labels:
        data = next(run.data for run in config.runs if run.data.label == label)
        try:
            baselines[label] = baseline_fn(data, config.seed)
        except Exception as err:  # the verdicts stand without the scale reference
            baselines[label] = None
            print(f"note: no gray baseline for {label}: {str(err).splitlines()[0]}")
    verdicts = _uv_verdicts(by_key, labels, baselines)  # claim 1 is the Similar claim's
    for label, base in baselines.items():
        if base:
            psnr = f"; its RGB PSNR {base['psnr']:.2f} dB" if "psnr" in base else ""
            verdicts.append(f"{label}: gray-prediction test loss (reference): RGB MSE "
                            f"{base['rgb']['mse']:.4g}, L1 {base['rgb']['l1']:.4g}; UV MSE "
                            f"{base['yuv']['mse']:.4g}, L1 {base['yuv']['l1']:.4g}{psnr}.")
            verdicts.append(_against_gray(label, base, by_key))
    if config.stand_in:
        verdicts.append("Stand-in data and 2 epochs: these verdicts check the pipeline, not the report.")
    elif config.preset == "cifar10":
        verdicts.append("One epoch (a CPU budget): verdicts are after one pass over the report's data.")
    return verdicts
