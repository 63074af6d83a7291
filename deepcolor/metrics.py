"""Evaluation metrics for colorized images.

Every image metric takes RGB in [0, 1], channels last, as a batch (N, H, W, 3) or a
single image (H, W, 3), numpy or a Keras backend tensor, and returns one float: the metric per
image, then the mean over images (so every image counts the same whatever its size).

* `report_mse`  report 001 Eq. 1, in the model's target space (see its docstring).
* `lab_mse`     the same after re-encoding both RGB images to Lab.
* `psnr`        peak signal-to-noise ratio on RGB, peak 1, capped at `PSNR_CAP` dB.
* `ssim`        structural similarity as `tf.image.ssim` (11x11 Gaussian, sigma 1.5),
                written in `keras.ops` so it runs under TensorFlow and JAX.
* `ciede2000`   mean CIEDE2000 colour difference per pixel (Sharma et al. 2005).
* `colorfulness` Hasler & Suesstrunk (2003) colourfulness M on the 0..255 scale.
* `red_share`   the share of red pixels (Lab hue).

Which of them a run reports, and under which name, is deepcolor/train/metric_table.py.

Work goes in chunks of images (float64 only per chunk), so a whole test set fits.
CIEDE2000, PSNR and colourfulness are numpy; Lab conversion and SSIM use keras.ops.
"""
from __future__ import annotations

import numpy as np
from keras import ops

from deepcolor.colorspaces import get_colorspace, rgb_to_lab

# PSNR of identical images is infinite; a finite cap keeps means and tables usable.
# 100 dB is a squared error of 1e-10, far below one 8-bit level (about 48 dB).
PSNR_CAP = 100.0
_SSIM_WINDOW = 11  # tf.image.ssim's defaults: window, Gaussian sigma, K1 and K2
_SSIM_SIGMA = 1.5
_SSIM_K1, _SSIM_K2 = 0.01, 0.03
_CHUNK = 16  # images per step of the chunked loops


def _as_batch(images, name: str) -> np.ndarray:
    """A float32 (N, H, W, 3) array from a batch or a single image in [0, 1]."""
    array = np.asarray(images)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name}: expected float RGB in [0, 1], got dtype {array.dtype}")
    array = array.astype(np.float32, copy=False)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(f"{name}: expected (N, H, W, 3) or (H, W, 3), got {array.shape}")
    # A 0..255 float image would give silently wrong numbers; refuse it.
    if array.size and (array.min() < -1e-3 or array.max() > 1 + 1e-3):
        raise ValueError(f"{name}: values outside [0, 1] (min {array.min():g}, "
                         f"max {array.max():g}); scale 8-bit images by 1/255")
    return array


def _pair(true_rgb, pred_rgb):
    true_rgb, pred_rgb = _as_batch(true_rgb, "true_rgb"), _as_batch(pred_rgb, "pred_rgb")
    if true_rgb.shape != pred_rgb.shape:
        raise ValueError(f"shape mismatch: true {true_rgb.shape} vs pred {pred_rgb.shape}")
    return true_rgb, pred_rgb


def report_mse(target, prediction) -> float:
    """Mean squared error in the model's target space: report 001, Eq. 1.

    Report 001 scores its Lab models with the MSE between predicted and true ab
    values, both as the network sees them (ab / 128, so in about [-1, 1]); Table 3
    and Table 4 are in these units. Eq. 1 is printed as sum (Y_i^2 - Ybar_i^2) / n,
    which is a typo for sum (Y_i - Ybar_i)^2 / n: as printed it can be negative and
    is zero for Y = -Ybar. We implement the squared difference, averaged over every
    pixel and channel of the target (for Lab: both a and b). `target` and
    `prediction` are arrays of the colour space's target (e.g. the second value of
    `ColorSpace.encode`), any shape, the same for both.
    """
    target = np.asarray(target, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    if target.shape != prediction.shape:
        raise ValueError(f"shape mismatch: target {target.shape} vs prediction {prediction.shape}")
    return float(np.mean((target - prediction) ** 2))


def psnr(true_rgb, pred_rgb) -> float:
    """Peak signal-to-noise ratio in dB on RGB in [0, 1] (peak 1).

    Computed per image (10 log10(1 / MSE) over its pixels and channels, as
    `skimage.metrics.peak_signal_noise_ratio(data_range=1)`), capped at `PSNR_CAP`,
    then averaged over images.
    """
    true_rgb, pred_rgb = _pair(true_rgb, pred_rgb)
    values = []
    for t, p in zip(true_rgb, pred_rgb):
        mse = np.mean((t.astype(np.float64) - p) ** 2)
        values.append(PSNR_CAP if mse <= 10 ** (-PSNR_CAP / 10) else -10 * np.log10(mse))
    return float(np.mean(values))


def _gaussian_blur(images, channels: int):
    """Gaussian-weighted local means over the valid region (no padding), as
    tf.image.ssim's filter. Its 2-D window is the outer product of one normalised
    1-D Gaussian with itself, so two 1-D passes give the same sums, 5x cheaper."""
    offsets = np.arange(_SSIM_WINDOW) - (_SSIM_WINDOW - 1) / 2
    window = np.exp(-0.5 * (offsets / _SSIM_SIGMA) ** 2)
    window = (window / window.sum()).astype(np.float32)
    down = np.tile(window[:, None, None, None], (1, 1, channels, 1))  # (kh, kw, C, 1)
    across = np.tile(window[None, :, None, None], (1, 1, channels, 1))
    images = ops.depthwise_conv(images, down, padding="valid")
    return ops.depthwise_conv(images, across, padding="valid")


def ssim_per_image(true_rgb, pred_rgb, max_val: float = 1.0):
    """SSIM of each image of two (N, H, W, C) float batches: a backend tensor (N,).

    Wang et al. (2004) with tf.image.ssim's settings: 11x11 Gaussian window (sigma
    1.5) over the valid region, K1 = 0.01, K2 = 0.03, the SSIM map averaged over
    pixels and channels. keras.ops only, so it also runs inside a compiled graph.
    """
    x, y = ops.cast(true_rgb, "float32"), ops.cast(pred_rgb, "float32")
    channels = x.shape[-1]
    c1, c2 = (_SSIM_K1 * max_val) ** 2, (_SSIM_K2 * max_val) ** 2
    mean_x, mean_y = _gaussian_blur(x, channels), _gaussian_blur(y, channels)
    # tf.image.ssim's arrangement of the terms (luminance times contrast-structure).
    num0 = 2.0 * mean_x * mean_y
    den0 = ops.square(mean_x) + ops.square(mean_y)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = 2.0 * _gaussian_blur(x * y, channels)
    den1 = _gaussian_blur(ops.square(x) + ops.square(y), channels)
    contrast_structure = (num1 - num0 + c2) / (den1 - den0 + c2)
    return ops.mean(luminance * contrast_structure, axis=(1, 2, 3))


def ssim(true_rgb, pred_rgb, chunk: int = _CHUNK) -> float:
    """Mean structural similarity on RGB in [0, 1] (max_val 1), as `tf.image.ssim`.

    An 11x11 Gaussian window (sigma 1.5) over the valid region, channels averaged;
    that is `skimage.metrics.structural_similarity` with gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False. Images must be at least 11 x 11.
    """
    true_rgb, pred_rgb = _pair(true_rgb, pred_rgb)
    if min(true_rgb.shape[1:3]) < _SSIM_WINDOW:
        raise ValueError(f"ssim needs images of at least {_SSIM_WINDOW}x{_SSIM_WINDOW}, "
                         f"got {true_rgb.shape[1]}x{true_rgb.shape[2]}")
    values = [ops.convert_to_numpy(ssim_per_image(true_rgb[start:start + chunk],
                                                  pred_rgb[start:start + chunk]))
              for start in range(0, len(true_rgb), chunk)]
    return float(np.mean(np.concatenate(values)))


def delta_e_ciede2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 difference per pixel between two Lab arrays (..., 3), kL = kC = kH = 1.

    Vectorised from Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference
    formula: implementation notes", Eqs. 1-17; checked against
    `skimage.color.deltaE_ciede2000` and Sharma's published test pairs.
    """
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    # a' stretches a by G, which depends on the mean chroma of the pair (Eqs. 2-5).
    c_mean = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    g = 0.5 * (1 - np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.mod(np.arctan2(b1, a1p), 2 * np.pi)  # arctan2(0, 0) = 0, as Eq. 7 asks
    h2p = np.mod(np.arctan2(b2, a2p), 2 * np.pi)
    chroma_product = c1p * c2p

    # Differences (Eqs. 8-11): the hue difference takes the short way round.
    d_l = l2 - l1
    d_c = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > np.pi, dh - 2 * np.pi, np.where(dh < -np.pi, dh + 2 * np.pi, dh))
    dh = np.where(chroma_product == 0, 0.0, dh)
    d_h = 2 * np.sqrt(chroma_product) * np.sin(dh / 2)

    # Means (Eqs. 12-14): the mean hue also wraps, and is h1 + h2 if a chroma is 0.
    l_mean = 0.5 * (l1 + l2)
    cp_mean = 0.5 * (c1p + c2p)
    h_sum = h1p + h2p
    far = np.abs(h1p - h2p) > np.pi
    h_mean = np.where(far & (h_sum < 2 * np.pi), (h_sum + 2 * np.pi) / 2,
                      np.where(far, (h_sum - 2 * np.pi) / 2, h_sum / 2))
    h_mean = np.where(chroma_product == 0, h_sum, h_mean)

    # Weights and the blue-region rotation term (Eqs. 15-22).
    t = (1 - 0.17 * np.cos(h_mean - np.deg2rad(30)) + 0.24 * np.cos(2 * h_mean)
         + 0.32 * np.cos(3 * h_mean + np.deg2rad(6)) - 0.20 * np.cos(4 * h_mean - np.deg2rad(63)))
    d_theta = np.deg2rad(30) * np.exp(-((np.rad2deg(h_mean) - 275) / 25) ** 2)
    r_c = 2 * np.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(2 * d_theta) * r_c
    lt, ct, ht = d_l / s_l, d_c / s_c, d_h / s_h
    return np.sqrt(np.maximum(lt ** 2 + ct ** 2 + ht ** 2 + r_t * ct * ht, 0.0))


def ciede2000(true_rgb, pred_rgb) -> float:
    """Mean CIEDE2000 colour difference per pixel, per image then over images.

    RGB goes to Lab with `deepcolor.colorspaces.rgb_to_lab` (sRGB, D65, as
    skimage.color.rgb2lab). About 1 is a just-noticeable difference.
    """
    true_rgb, pred_rgb = _pair(true_rgb, pred_rgb)
    values = [delta_e_ciede2000(ops.convert_to_numpy(rgb_to_lab(true_rgb[i:i + _CHUNK])),
                                ops.convert_to_numpy(rgb_to_lab(pred_rgb[i:i + _CHUNK])))
              .mean(axis=(1, 2))
              for i in range(0, len(true_rgb), _CHUNK)]
    return float(np.mean(np.concatenate(values)))


def colorfulness(rgb) -> float:
    """Hasler & Suesstrunk (2003) colourfulness M, per image then mean over images.

    On RGB scaled to [0, 255]: rg = R - G, yb = (R + G) / 2 - B,
    M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2), with
    population standard deviations over the image's pixels. A gray image scores 0;
    the paper calls about 33 "moderately", 59 "quite" and 82 "highly" colourful.
    """
    values = []
    for image in _as_batch(rgb, "rgb"):
        image = image.astype(np.float64) * 255.0
        r, g, b = image[..., 0], image[..., 1], image[..., 2]
        rg, yb = r - g, 0.5 * (r + g) - b
        values.append(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    return float(np.mean(values))


RED_HUES = (-30.0, 45.0)  # Lab hue angle, degrees: magenta-red through red to red-orange
RED_CHROMA = 15.0  # below this a pixel reads as gray, whatever its hue


def red_share(rgb) -> float:
    """Share of pixels that read as red: Lab chroma at least RED_CHROMA and hue angle
    atan2(b, a) within RED_HUES. Tests the reports' hue remarks (report 000: "red color
    is barely shown"; report 004: "a tendency towards red hues") against the truth's."""
    shares, rgb = [], _as_batch(rgb, "rgb")
    for start in range(0, len(rgb), _CHUNK):
        lab = ops.convert_to_numpy(rgb_to_lab(rgb[start:start + _CHUNK]))
        a, b = lab[..., 1], lab[..., 2]
        hue = np.degrees(np.arctan2(b, a))
        red = (np.hypot(a, b) >= RED_CHROMA) & (hue >= RED_HUES[0]) & (hue <= RED_HUES[1])
        shares.append(red.reshape(len(red), -1).mean(axis=1))
    return float(np.mean(np.concatenate(shares)))


def lab_mse(true_rgb, pred_rgb, colorspace="lab") -> float:
    """The report MSE after re-encoding both RGB images into `colorspace` (default Lab,
    ab / 128, as report 001) and comparing the targets. It can differ slightly from the
    MSE of the raw network output because decoding to RGB clips out-of-gamut colours;
    use `report_mse(target, model_output)` for the report's exact number."""
    true_rgb, pred_rgb = _pair(true_rgb, pred_rgb)
    space = get_colorspace(colorspace)
    # Chunk MSEs weighted by chunk size: the pooled MSE (all images share one size).
    return float(sum(
        report_mse(ops.convert_to_numpy(space.encode(true_rgb[i:i + _CHUNK])[1]),
                   ops.convert_to_numpy(space.encode(pred_rgb[i:i + _CHUNK])[1]))
        * len(true_rgb[i:i + _CHUNK])
        for i in range(0, len(true_rgb), _CHUNK)) / len(true_rgb))
