"""deepcolor.metrics against skimage and against known values.

Backend-neutral: tests/test_backend_jax.py runs this file again under JAX."""
import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from deepcolor import metrics


@pytest.fixture
def pair():
    rng = np.random.default_rng(3)
    true = rng.uniform(0, 1, (3, 24, 32, 3))
    pred = np.clip(true + rng.normal(0, 0.1, true.shape), 0, 1)
    return true, pred


def test_identical_images_are_perfect(pair):
    true, _ = pair
    assert metrics.psnr(true, true) == metrics.PSNR_CAP
    assert metrics.ssim(true, true) == pytest.approx(1.0, abs=1e-5)
    assert metrics.ciede2000(true, true) == pytest.approx(0.0, abs=1e-6)
    assert metrics.report_mse(true, true) == 0.0


def test_psnr_matches_skimage_per_image(pair):
    true, pred = pair
    expected = np.mean([peak_signal_noise_ratio(t, p, data_range=1.0) for t, p in zip(true, pred)])
    assert metrics.psnr(true, pred) == pytest.approx(expected, abs=1e-4)  # float32 inputs


def test_ssim_matches_skimage_gaussian_settings(pair):
    true, pred = pair
    expected = np.mean([structural_similarity(t, p, data_range=1.0, channel_axis=-1,
                                              gaussian_weights=True, sigma=1.5,
                                              use_sample_covariance=False)
                        for t, p in zip(true, pred)])
    assert metrics.ssim(true, pred) == pytest.approx(expected, abs=2e-3)
    assert metrics.ssim(true, pred) < 0.99



def test_ssim_matches_tf_image_ssim():
    """Our keras.ops SSIM against tf.image.ssim itself, on noise and on a photo."""
    tf = pytest.importorskip("tensorflow")
    from skimage.data import astronaut

    rng = np.random.default_rng(4)
    photo = astronaut()[::4, ::4].astype(np.float32) / 255.0  # 128 x 128
    for true in (rng.uniform(0, 1, (3, 24, 32, 3)).astype(np.float32), photo[None]):
        for noise in (0.02, 0.2):
            pred = np.clip(true + rng.normal(0, noise, true.shape), 0, 1).astype(np.float32)
            ours = np.asarray(metrics.ssim_per_image(true, pred))
            np.testing.assert_allclose(ours, tf.image.ssim(true, pred, max_val=1.0).numpy(),
                                       atol=1e-4)


def test_ssim_rejects_tiny_images():
    with pytest.raises(ValueError, match="11x11"):
        metrics.ssim(np.zeros((1, 8, 8, 3)), np.zeros((1, 8, 8, 3)))


def test_delta_e_matches_skimage_on_random_lab():
    rng = np.random.default_rng(0)
    lab1 = np.stack([rng.uniform(0, 100, 5000), rng.uniform(-100, 100, 5000),
                     rng.uniform(-100, 100, 5000)], axis=-1)
    lab2 = lab1 + rng.normal(0, 15, lab1.shape)
    # Edge cases: zero chroma on one or both sides, hues either side of 0/360 degrees.
    lab1[:4] = [[50, 0, 0], [50, 0, 0], [60, 10, -0.001], [40, -5, 0.0]]
    lab2[:4] = [[50, 0, 0], [55, 3, 4], [60, 10, 0.001], [40, 5, 0.0]]
    np.testing.assert_allclose(metrics.delta_e_ciede2000(lab1, lab2),
                               deltaE_ciede2000(lab1, lab2), atol=1e-9)


def test_delta_e_sharma_test_pairs():
    # Pairs 1, 4, 7, 9, 11 and 17 of Sharma, Wu & Dalal (2005), Table 1.
    lab1 = [[50, 2.6772, -79.7751], [50, -1.3802, -84.2814], [50, 0, 0],
            [50, 2.49, -0.001], [50, 2.49, -0.001], [50, 2.5, 0]]
    lab2 = [[50, 0, -82.7485], [50, 0, -82.7485], [50, -1, 2],
            [50, -2.49, 0.0009], [50, -2.49, 0.0011], [73, 25, -18]]
    expected = [2.0425, 1.0000, 2.3669, 7.1792, 7.2195, 27.1492]
    np.testing.assert_allclose(metrics.delta_e_ciede2000(lab1, lab2), expected, atol=1e-4)


def test_ciede2000_on_rgb_matches_skimage(pair):
    true, pred = pair
    expected = np.mean([deltaE_ciede2000(rgb2lab(t), rgb2lab(p)).mean()
                        for t, p in zip(true, pred)])
    assert metrics.ciede2000(true, pred) == pytest.approx(expected, rel=1e-3)


def test_colorfulness_gray_is_zero_and_known_value():
    gray = np.repeat(np.random.default_rng(1).uniform(0, 1, (2, 9, 9, 1)), 3, axis=-1)
    assert metrics.colorfulness(gray) == pytest.approx(0.0, abs=1e-9)
    # Half pure red, half pure green: rg = +-255 (std 255, mean 0), yb = 127.5 everywhere.
    image = np.zeros((4, 4, 3))
    image[:2, :, 0] = 1.0
    image[2:, :, 1] = 1.0
    assert metrics.colorfulness(image) == pytest.approx(255 + 0.3 * 127.5)


def test_report_mse_is_squared_difference_not_difference_of_squares():
    target = np.array([[0.5, -0.5]])
    # Eq. 1 as printed (Y^2 - Ybar^2) would give 0 here.
    assert metrics.report_mse(target, -target) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        metrics.report_mse(np.zeros(3), np.zeros(4))


def test_metric_table_scores_rgb_gap_and_input_checks(pair):
    from deepcolor.train import metric_table

    true, pred = pair
    gray_pred = np.repeat(true.mean(axis=-1, keepdims=True), 3, axis=-1)
    result = metric_table.score(metric_table.Prediction(true, gray_pred))
    # without a model output (a baseline) the target-space errors are left out
    assert set(result) == {"report_mse", "psnr", "ssim", "ciede2000", "colorfulness",
                           "colorfulness_true", "colorfulness_gap", "red_share",
                           "red_share_true", "white_fraction"}
    assert result["colorfulness"] == pytest.approx(0.0, abs=1e-6)
    assert result["red_share"] == 0.0  # a gray prediction paints nothing red
    assert result["colorfulness_gap"] == pytest.approx(-result["colorfulness_true"])
    assert result["report_mse"] > 0
    with pytest.raises(ValueError, match="1/255"):
        metrics.psnr(true * 255, pred * 255)
    with pytest.raises(ValueError, match="dtype"):
        metrics.psnr((true * 255).astype(np.uint8), (pred * 255).astype(np.uint8))


def test_chunked_metrics_equal_whole_batch_values():
    from deepcolor.colorspaces import LabSpace

    rng = np.random.default_rng(5)
    true = rng.uniform(0, 1, (21, 12, 12, 3)).astype(np.float32)  # more than one chunk
    pred = np.clip(true + rng.normal(0, 0.2, true.shape), 0, 1).astype(np.float32)
    whole = metrics.report_mse(np.asarray(LabSpace().encode(true)[1]),
                               np.asarray(LabSpace().encode(pred)[1]))
    assert metrics.lab_mse(true, pred, colorspace=LabSpace()) == pytest.approx(whole, rel=1e-6)
    expected = np.mean([deltaE_ciede2000(rgb2lab(t), rgb2lab(p)).mean()
                        for t, p in zip(true, pred)])
    assert metrics.ciede2000(true, pred) == pytest.approx(expected, rel=1e-3)


def test_red_share_counts_red_pixels_only():
    """The hue measure behind reports 000 and 004's red remarks: red counts, orange,
    green and gray do not."""
    from deepcolor.metrics import red_share

    def flat(r, g, b):
        return np.broadcast_to(np.array([r, g, b], "float32"), (2, 8, 8, 3)).copy()

    assert red_share(flat(0.9, 0.1, 0.1)) == 1.0
    assert red_share(flat(0.5, 0.5, 0.5)) == 0.0
    assert red_share(flat(0.0, 0.8, 0.0)) == 0.0
    assert red_share(flat(1.0, 0.6, 0.0)) == 0.0  # orange
    half = flat(0.5, 0.5, 0.5)
    half[:, :4] = [0.9, 0.1, 0.1]
    assert red_share(half) == 0.5
