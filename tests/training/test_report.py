"""The report: smoothed loss curves, per-tone figures, and an index page with audio players."""

import re

import numpy as np

from grower.training import report


def test_the_loss_curve_is_a_trailing_moving_average():
    losses = np.arange(1.0, 101.0)
    out = report.smoothed(losses, window=10)
    expected = [losses[max(0, i - 9):i + 1].mean() for i in range(100)]
    np.testing.assert_allclose(out, expected)


def test_a_tone_figure_and_the_loss_plot_are_pngs(tmp_path):
    sr = 22050
    t = np.arange(sr) / sr
    audio = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.03 * np.sin(2 * np.pi * 440 * t)
    distribution = np.tile([0.9, 0.1] + [0.0] * 62, (173, 1))
    report.plot_tone(tmp_path / "a.png", "a", audio, audio, distribution, sr, 128, 1.0, f0_hz=220.0)
    report.plot_losses(tmp_path / "losses.png", {"a": np.linspace(2, 1, 50), "b": np.linspace(3, 1, 80)})
    for png in ("a.png", "losses.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_index_shows_every_tone_with_players_for_the_files_that_exist(tmp_path):
    for name in ("a.png", "a_target.wav", "a_reconstruction.wav", "b.png", "b_reconstruction.wav", "losses.png"):
        (tmp_path / name).write_bytes(b"x")
    tones = [dict(name=n, f0_hz=f, lsd_db=2.5, figure=f"{n}.png", target=f"{n}_target.wav", reconstruction=f"{n}_reconstruction.wav")
             for n, f in (("a", 220.0), ("b", 330.0))]
    report.write_index(tmp_path / "index.html", tones)
    page = (tmp_path / "index.html").read_text()
    assert re.findall(r'<audio controls preload="none" src="([^"]+)"', page) == ["a_target.wav", "a_reconstruction.wav", "b_reconstruction.wav"]
    assert re.findall(r'<img src="([^"]+)"', page) == ["a.png", "b.png", "losses.png"]
    assert '<section id="a">' in page and '<section id="b">' in page
