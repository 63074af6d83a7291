"""Figures and the Turing end screen explain themselves (issue 14, item 6); nothing in a
figure covers a panel, and a results folder's figures redraw without training (issue 21)."""
import json

import numpy as np
from PIL import Image

from deepcolor.train import figures
from deepcolor.turing.page import render_page


RENDERERS = {}


def _spy_savefig(monkeypatch):
    """The figures passed to savefig, drawn (so text positions are final)."""
    import matplotlib.figure

    seen, original = [], matplotlib.figure.Figure.savefig

    def spy(fig, *args, **kwargs):
        fig.canvas.draw()
        RENDERERS[fig] = fig.canvas.get_renderer()  # the canvas is dropped when closed
        seen.append(fig)
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    return seen


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_loss_curves_name_the_loss_and_count_whole_epochs(tmp_path, monkeypatch):
    seen = _spy_savefig(monkeypatch)
    history = {"epoch": np.arange(12), "loss": np.linspace(1, 0.1, 12),
               "val_loss": np.linspace(1.2, 0.2, 12)}
    path = tmp_path / "curves.png"
    names = ["unet, seed 0", "EfficientNet-Lite0 U-Net, Huber, augmented, MSE instead of Huber"]
    figures.plot_loss_curves({name: history for name in names}, str(path), "Report 004",
                             loss_name="L1 (ab / 128)")
    fig = seen[-1]
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().replace("\n", " ") for ax in panels] == names  # each run named
    assert fig._suptitle is None and fig.get_supylabel() == "L1 (ab / 128)"
    renderer = RENDERERS[fig]
    for ax in panels:
        ticks = list(ax.get_xticks())
        assert ax.get_xlabel() == "epoch"
        assert ticks[0] == 1 and all(float(t).is_integer() for t in ticks)
        assert ax.get_legend() is None  # one legend for the figure, over no curve
        box = ax.get_window_extent(renderer)
        for legend in fig.legends:
            assert not _overlap(legend.get_window_extent(renderer), box)
    # The y label lies inside the picture (it was cut off at the top).
    label = fig._supylabel.get_window_extent(renderer)
    assert label.y0 >= 0 and label.y1 <= fig.bbox.height
    assert Image.open(path).info.get("Title") == "Report 004"
    figures.plot_loss_curves({"r": history}, str(path), "t")
    assert seen[-1].get_supylabel() == figures.DEFAULT_LOSS_NAME


def test_a_one_epoch_run_is_one_marked_point_at_epoch_1(tmp_path, monkeypatch):
    seen = _spy_savefig(monkeypatch)
    history = {"epoch": np.arange(1), "loss": np.array([0.02]), "val_loss": np.array([0.03])}
    figures.plot_loss_curves({"cifar10 run": history}, str(tmp_path / "c.png"), "t")
    ax = seen[-1].axes[0]
    assert list(ax.get_xticks()) == [1] and ax.get_xlim() == (0.5, 1.5)
    assert all(line.get_marker() == "o" for line in ax.get_lines())
    low, high = ax.get_ylim()
    assert low < 0.02 and high > 0.03  # both values in view


def test_sample_grid_title_sits_above_the_first_row(tmp_path, monkeypatch):
    seen = _spy_savefig(monkeypatch)
    rng = np.random.default_rng(0)
    gray, truth = rng.random((8, 16, 16, 1)), rng.random((8, 16, 16, 3))
    title = figures.sample_grid_title("Leaderboard: every model, one protocol", "CIFAR-10 32px")
    names = [f"model {i}" for i in range(15)] + ["unet002 cGAN", "a long run name, MSE, "
                                                  "augmented, random encoder"]
    # 19 rows, as the leaderboard's grid: its title used to cover the first row.
    figures.plot_sample_grid(gray, truth, {name: truth for name in names},
                             str(tmp_path / "s.png"), title)
    fig = seen[-1]
    renderer = RENDERERS[fig]
    heading = fig._suptitle.get_window_extent(renderer)
    assert "CIFAR-10 32px" in fig._suptitle.get_text() and heading.y1 <= fig.bbox.height
    for ax in fig.axes:
        assert not _overlap(heading, ax.get_window_extent(renderer))
    labels = [ax.get_ylabel().replace("\n", " ") for ax in fig.axes if ax.get_ylabel()]
    assert labels == ["gray", "truth", *names]


def test_epoch_ticks_start_at_one():
    assert figures.epoch_ticks(1) == [1]
    assert figures.epoch_ticks(5) == [1, 2, 3, 4, 5]
    ticks = figures.epoch_ticks(75)
    assert ticks[0] == 1 and ticks[-1] <= 75 and len(ticks) <= 10


def test_turing_end_screen_speaks_plainly():
    page = render_page()
    assert "You spotted <b id=\"spotted\"></b> of <span id=\"colorized\"></span>" in page
    assert "score.colorized - score.judged_real" in page


def _results_folder(tmp_path):
    """A results folder as deepcolor.train.results writes it, and its run folder."""
    folder, root = tmp_path / "results" / "exp" / "default", tmp_path / "snapshot"
    folder.mkdir(parents=True)
    runs = [{"name": "unet, MSE", "data": {"source": "cifar10", "label": "CIFAR-10 32px"},
             "loss": "mse", "trainer": "supervised"}]
    (folder / "config.json").write_text(json.dumps({
        "run_folder": "runs/exp/default/20260101-000000",
        "config": {"title": "Exp: a title", "runs": runs, "seed": 0, "seeds": None}}))
    (folder / "history_00.csv").write_text("epoch,loss,val_loss\n0,0.5,0.6\n1,0.3,0.4\n")
    run_folder = root / "runs" / "exp" / "default" / "20260101-000000" / "00-unet,_MSE"
    run_folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez_compressed(run_folder / "samples.npz", gray=rng.random((4, 8, 8, 1)),
                        truth=rng.random((4, 8, 8, 3)), prediction=rng.random((4, 8, 8, 3)))
    return folder, root


def test_redraw_remakes_a_results_folders_figures_without_training(tmp_path, monkeypatch,
                                                                   capsys):
    seen = _spy_savefig(monkeypatch)
    folder, root = _results_folder(tmp_path)
    assert figures.main([str(folder), "--root", str(root)]) == 0
    assert (folder / "loss_curves.png").is_file() and (folder / "samples_00.png").is_file()
    curves, grid = seen[-2:]
    assert curves.axes[0].get_title() == "unet, MSE"
    assert curves.get_supylabel() == "MSE loss, model's target space"
    assert grid._suptitle.get_text() == "Exp: a title\ntest split: CIFAR-10 32px"
    # Without the run folder the grid is left as it is, and the reader told so.
    (folder / "samples_00.png").write_bytes(b"old")
    assert figures.main([str(folder), "--root", str(tmp_path / "elsewhere")]) == 0
    assert (folder / "samples_00.png").read_bytes() == b"old"
    assert "sample grids left as they are" in capsys.readouterr().out
    assert figures.main([str(tmp_path / "nothing")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
