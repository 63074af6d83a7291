"""Figures and the Turing end screen explain themselves (issue 14, item 6)."""
import numpy as np
from PIL import Image

from deepcolor.train import figures
from deepcolor.turing.page import render_page


def test_loss_curves_name_the_loss_and_count_whole_epochs(tmp_path, monkeypatch):
    seen = {}
    import matplotlib.figure

    original = matplotlib.figure.Figure.savefig

    def spy(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen.update(ylabel=ax.get_ylabel(), ticks=list(ax.get_xticks()), title=ax.get_title(),
                    suptitle=fig._suptitle, legend=ax.get_legend().get_title().get_text())
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    history = {"epoch": np.arange(12), "loss": np.linspace(1, 0.1, 12),
               "val_loss": np.linspace(1.2, 0.2, 12)}
    path = tmp_path / "curves.png"
    figures.plot_loss_curves({"unet, seed 0": history}, str(path), "Report 004",
                             loss_name="L1 (ab / 128)")
    assert seen["ylabel"] == "L1 (ab / 128)" and seen["legend"] == "unet, seed 0"
    assert seen["title"] == "" and seen["suptitle"] is None  # no title over the panel
    assert seen["ticks"][0] == 1 and all(float(t).is_integer() for t in seen["ticks"])
    assert Image.open(path).info.get("Title") == "Report 004"
    figures.plot_loss_curves({"r": history}, str(path), "t")
    assert seen["ylabel"] == figures.DEFAULT_LOSS_NAME


def test_epoch_ticks_start_at_one():
    assert figures.epoch_ticks(1) == [1]
    assert figures.epoch_ticks(5) == [1, 2, 3, 4, 5]
    ticks = figures.epoch_ticks(75)
    assert ticks[0] == 1 and ticks[-1] <= 75 and len(ticks) <= 10


def test_turing_end_screen_speaks_plainly():
    page = render_page()
    assert "You spotted <b id=\"spotted\"></b> of <span id=\"colorized\"></span>" in page
    assert "score.colorized - score.judged_real" in page
