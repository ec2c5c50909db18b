"""Cleaning the input: hum, a noise floor and a room's tail are found in a real tone and removed; a clean tone is left as it is.

The tones are General MIDI notes rendered by fluidsynth at test time
(grower.synth.gm_tones), degraded by grower.synth.room. The end-to-end test
trains a clean and two degraded copies of one clarinet note through
grower-train and plays the bank in the renderer; benchmarks/bench_clean.py
prints the same figures for four instruments, with cleaning off and on.
"""

import contextlib
import io
import json

import numpy as np
import pytest
import soundfile

from grower.synth import gm_tones, room
from grower.synth.bank import load_bank
from grower.synth.held_note import envelope_db
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_levels_db, log_spectral_distance_db
from grower.training.cleaning import Cleaning, clean
from grower.training.cli import main as train
from grower.training.config import FeatureConfig, GrowerConfig
from grower.training.feature_cache import FeatureCache

from ..conftest import harmonic_tone

needs_soundfont = pytest.mark.skipif(gm_tones.unavailable() is not None, reason=gm_tones.unavailable() or "")

SR = 22050
HOLD_S = 1.5


@pytest.fixture(scope="module")
def clarinet():
    """[n] at SR: a clarinet C4 held HOLD_S, then 2 s of fluidsynth's silence."""
    return gm_tones.render_note("clarinet", HOLD_S, HOLD_S + 0.5, SR)


def level_at_db(audio: np.ndarray, time_s: float) -> float:
    times, level = envelope_db(audio, SR, window_s=0.02, hop_s=0.005)
    return float(level[np.argmin(np.abs(times - time_s))])


def line_db(audio: np.ndarray, time_s: float, hz: float, reach_bins: int) -> float:
    """A partial's level, dB: the strongest bin within reach_bins of hz in a 4096-point Hann frame of audio [n] centred at time_s."""
    n_fft, centre = 4096, int(time_s * SR)
    power = np.abs(np.fft.rfft(audio[centre - n_fft // 2 : centre + n_fft // 2] * np.hanning(n_fft))) ** 2
    b = int(round(hz * n_fft / SR))
    return float(10 * np.log10(power[b - reach_bins : b + reach_bins + 1].max() + 1e-30))


def sustain(audio: np.ndarray) -> np.ndarray:
    return audio[int(0.3 * SR) : int((HOLD_S - 0.1) * SR)]


# -- Units -----------------------------------------------------------------------------


@needs_soundfont
def test_hum_and_noise_floor_are_found_at_their_levels_and_removed(clarinet):
    noisy = room.add_hiss_and_hum(clarinet, SR, noise_dbfs=-45.0, hum_dbfs=-40.0)
    cleaned, cleaning = clean(noisy, SR)
    assert cleaning.mains_hz == 50.0 and len(cleaning.hum_lines_hz) == 4
    assert cleaning.hum_dbfs == pytest.approx(-40.0, abs=1.0)
    assert cleaning.noise_floor_dbfs == pytest.approx(-45.0, abs=1.5)
    assert cleaning.noise_reduction_db >= 12.0
    hum_db = harmonic_levels_db(cleaned[-int(1.5 * SR) :], 50.0, SR, 4)
    assert np.all(hum_db <= -70.0), hum_db  # every line, from -40 to -54 dB
    assert level_at_db(cleaned, HOLD_S + 1.5) <= -57.0  # the silence after the note: the floor less 12 dB
    clean_levels = harmonic_levels_db(sustain(clarinet), 261.6, SR, 20)
    heard = clean_levels >= clean_levels.max() - 30.0
    assert np.max(np.abs(harmonic_levels_db(sustain(cleaned), 261.6, SR, 20) - clean_levels)[heard]) <= 1.5  # the tone itself kept


def test_60_hz_mains_is_told_from_50():
    tone = np.concatenate([harmonic_tone(330.0, 1.5, SR), np.zeros(SR, np.float32)])
    cleaned, cleaning = clean(room.add_hiss_and_hum(tone, SR, mains_hz=60.0), SR)
    assert cleaning.mains_hz == 60.0
    assert [round(f) for f in cleaning.hum_lines_hz] == [60, 120, 180, 240]
    assert harmonic_levels_db(cleaned[-SR:], 60.0, SR, 1)[0] <= -70.0


@needs_soundfont
@pytest.mark.parametrize("name", ["clarinet", "flute", "trumpet", "piano", "guitar", "marimba"])
def test_a_clean_recording_comes_back_untouched(name):
    audio = gm_tones.render_note(name, HOLD_S, HOLD_S + 0.5, SR)
    cleaned, cleaning = clean(audio, SR)
    assert cleaned is audio and not cleaning.changed and cleaning.describe() == ""


@needs_soundfont
@pytest.mark.parametrize("key", [84, 96])
def test_a_dry_flutes_two_stage_release_is_not_taken_for_a_rooms_tail(key):
    """High flute notes release at about -230 then -150 dB/s, smoothly: the instrument's envelope, not a room (cut before)."""
    audio = gm_tones.render_note("flute", 2.0, 2.5, SR, velocity=50, key=key)[: int(2.5 * SR)]  # as a take ends, 0.5 s after the note
    cleaned, cleaning = clean(audio, SR)
    assert cleaned is audio and cleaning.tail_cut_s == 0.0


@needs_soundfont
def test_a_dry_flute_under_hiss_has_no_rooms_tail_cut_below_the_floor():
    """Under the floor a release's partials, taken back from the noise, ripple as a room's tail does: no tail is judged there."""
    noisy = room.add_hiss_and_hum(gm_tones.render_note("flute", 1.5, 3.0, SR), SR)
    assert clean(noisy, SR)[1].tail_cut_s == 0.0  # 0.15 s was cut, at -53 dBFS, under the -45 dBFS floor


@needs_soundfont
def test_a_piano_c7_above_the_pitch_trackers_range_is_not_faded_out_while_it_sounds():
    """Its partials' bins are missed (yin stops at 2 kHz), but what the gate lets through keeps the tone going, past one-frame dips."""
    piano = gm_tones.render_note("piano", 2.0, 3.0, SR, velocity=80, key=96)
    cleaned, _ = clean(room.add_hiss_and_hum(piano, SR), SR)

    for time_s in (0.3, 0.5, 0.7):  # silent from 0.28 s, before
        assert line_db(cleaned, time_s, 2093.0, 4) == pytest.approx(line_db(piano, time_s, 2093.0, 4), abs=5.0)


def test_a_tone_without_silence_or_hum_is_untouched_even_with_vibrato_and_breath():
    audio = harmonic_tone(220.0, 2.0, SR, noise_level=0.05, vibrato_cents=30.0)
    cleaned, cleaning = clean(audio, SR)
    assert cleaned is audio and not cleaning.changed
    assert cleaning.near_floor_dbfs is None  # nor said to stand "too near" a floor that is the tone itself (its breath: said as such)
    steady = harmonic_tone(220.0, 2.0, SR)
    assert not clean(steady, SR)[1].noted


@pytest.mark.parametrize("record", [{"tail_cut_s": None}, {"mains_hz": 50}, {"tail_cut_s": 0.5}, {"hum_lines_hz": [50.0, "x"], "mains_hz": "60"},
                                    {"noise_floor_dbfs": -45.0, "future_field": 1}])
def test_a_partial_or_odd_cleaning_record_from_a_bank_is_described_without_failing(record):
    described = Cleaning.from_dict(record).describe()
    assert isinstance(described, str) and "None" not in described


@needs_soundfont
def test_a_dc_offset_is_neither_taken_for_a_floor_nor_hides_one(clarinet):
    """An interface's offset is no noise: alone it leaves a clean recording untouched; under hiss the hiss is still found."""
    offset = (clarinet + 0.001).astype(np.float32)  # read as a -60 dBFS floor, before
    cleaned, cleaning = clean(offset, SR)
    assert not cleaning.changed and cleaned is offset
    hiss = room.add_hiss_and_hum(clarinet, SR, hum_dbfs=-200.0) + np.float32(0.02)  # the floor stood under 12 dB from the tone
    cleaned, cleaning = clean(hiss, SR)
    assert cleaning.noise_floor_dbfs == pytest.approx(-45.0, abs=1.0) and cleaning.noise_reduction_db >= 20.0
    assert abs(np.mean(cleaned[int(0.3 * SR) : int(1.3 * SR)])) < 1e-3  # the note's own samples, the offset left out with the hiss


@needs_soundfont
def test_a_noisy_take_with_no_quiet_stretch_is_left_as_it_is_and_said(clarinet):
    """Without a stretch of the floor alone, hiss cannot be told from a tone's breath: the take is learned as it is, and that is said."""
    onset = int(np.argmax(np.abs(clarinet) >= np.abs(clarinet).max() * 0.01))
    trimmed = clarinet[onset : onset + int(HOLD_S * SR)]
    cleaned, cleaning = clean(trimmed, SR)
    assert cleaned is trimmed and not cleaning.noted
    for noise_dbfs in (-50.0, -40.0):
        noisy = room.add_hiss_and_hum(trimmed, SR, noise_dbfs=noise_dbfs, hum_dbfs=-200.0)
        cleaned, cleaning = clean(noisy, SR)
        assert cleaned is noisy and not cleaning.changed and cleaning.noted
        assert noise_dbfs - 8.0 <= cleaning.unmeasured_floor_dbfs <= noise_dbfs  # minimum statistics read it a few dB low
        assert "no quiet stretch of 0.25 s" in cleaning.describe()
        assert Cleaning.from_dict(cleaning.to_dict()) == cleaning


@needs_soundfont
def test_a_floor_the_tone_barely_clears_is_left_and_said_as_such(clarinet):
    """A soft note 8 dB over its hiss has a floor to measure but no margin to gate by: it is said, not 'no quiet stretch'."""
    soft = room.add_hiss_and_hum(gm_tones.render_note("clarinet", HOLD_S, HOLD_S + 1.0, SR, velocity=40), SR, hum_dbfs=-200.0)
    cleaned, cleaning = clean(soft, SR)
    assert cleaned is soft and cleaning.noise_floor_dbfs is None and cleaning.unmeasured_floor_dbfs is None
    assert cleaning.near_floor_dbfs == pytest.approx(-45.0, abs=1.5) and 0.0 < cleaning.tone_above_floor_db < 12.0
    assert "dB are needed to tell them apart" in cleaning.describe() and "no quiet stretch" not in cleaning.describe()


@needs_soundfont
def test_a_soft_high_piano_note_keeps_its_fundamental_while_it_stands_out_of_the_hiss():
    """A soft G5 under -60 dBFS stands 10-13 dB out of the noise in its bin for 1.5 s after its broadband level sank to the
    noise's: its quiet frames are no floor, and the note is not faded out while it sounds (it was, at 0.8 s)."""
    piano = gm_tones.render_note("piano", 2.0, 3.0, SR, velocity=40, key=79)
    noisy = room.add_hiss_and_hum(piano, SR, noise_dbfs=-60.0)
    cleaned, _ = clean(noisy, SR)

    for time_s in (1.0, 1.5, 1.7):
        assert line_db(piano, time_s, 784.0, 3) - line_db(noisy - piano, time_s, 784.0, 3) >= 8.0
        assert line_db(cleaned, time_s, 784.0, 3) == pytest.approx(line_db(piano, time_s, 784.0, 3), abs=4.0)


def test_takes_left_as_they_were_share_a_line_per_reason_and_one_take_keeps_its_own():
    unmeasured = [(f"t{i}.wav", Cleaning(mode="auto", unmeasured_floor_dbfs=level)) for i, level in enumerate((-44.0, -40.0, -36.0))]
    near = [("soft.wav", Cleaning(mode="auto", near_floor_dbfs=-45.0, tone_above_floor_db=8.0))]
    lines = Cleaning.describe_left(unmeasured + near)
    assert len(lines) == 2
    assert lines[0].startswith("not cleaned 3 takes (t0.wav, t1.wav, t2.wav): a broadband floor of at least -44 to -36 dBFS")
    assert lines[1] == f"not cleaned soft.wav: {near[0][1].describe()}"
    many = [(f"t{i}.wav", Cleaning(mode="auto", unmeasured_floor_dbfs=-40.0)) for i in range(9)]
    assert "t5.wav and 3 more)" in Cleaning.describe_left(many)[0]


@pytest.mark.parametrize("f0_hz", [49.0, 98.6, 120.5, 151.0])
def test_a_steady_bass_tone_near_the_mains_grid_keeps_its_partials(f0_hz):
    """Partials near k x 50 or 60 Hz that hold steady are not hum: off the grid by more than it drifts."""
    audio = harmonic_tone(f0_hz, 3.0, SR)
    cleaned, cleaning = clean(audio, SR)
    assert cleaning.mains_hz is None and cleaned is audio


@needs_soundfont
@pytest.mark.parametrize("key", [72, 84, 96])
def test_a_dry_piano_note_keeps_its_whole_decay(key):
    """A high piano note's two-stage decay (fast, then slow) is its own, not a room's tail."""
    audio = gm_tones.render_note("piano", 3.0, 4.0, SR, key=key)
    cleaned, cleaning = clean(audio, SR)
    assert cleaning.tail_cut_s == 0.0 and cleaned is audio


@needs_soundfont
def test_a_rooms_tail_is_cut_after_the_release_and_the_tone_before_is_kept(clarinet):
    wet = room.add_reverb(clarinet, SR, rt60_s=0.8, wet=0.3)
    cleaned, cleaning = clean(wet, SR)
    assert cleaning.tail_cut_s >= 0.5
    assert cleaning.tail_decay_db_per_s == pytest.approx(-60.0 / 0.8, abs=15.0)
    assert level_at_db(wet, HOLD_S + 0.3) - level_at_db(clarinet, HOLD_S + 0.3) >= 30.0  # the room's tail, before
    assert level_at_db(cleaned, HOLD_S + 0.3) <= level_at_db(clarinet, HOLD_S + 0.3) + 10.0
    kept = int((HOLD_S + 0.02) * SR)
    np.testing.assert_array_equal(cleaned[:kept], wet[:kept])  # the note and its release's start, as recorded


def test_off_returns_the_recording_as_it_is():
    audio = room.add_hiss_and_hum(np.concatenate([harmonic_tone(330.0, 1.0, SR), np.zeros(SR, np.float32)]), SR)
    cleaned, cleaning = clean(audio, SR, "off")
    assert cleaned is audio and cleaning == Cleaning(mode="off")


def test_the_clean_setting_is_part_of_the_feature_cache_key_and_old_banks_read_as_off(tmp_path):
    cache = FeatureCache(tmp_path)
    sizes = (64, 64)
    assert cache.path_for("ab" * 32, FeatureConfig(clean="auto"), sizes) != cache.path_for("ab" * 32, FeatureConfig(clean="off"), sizes)
    old = GrowerConfig().to_dict()
    del old["features"]["clean"]
    assert GrowerConfig.from_dict(old).features.clean == "off"
    with pytest.raises(ValueError, match="clean must be one of auto, off, not 'on'"):
        FeatureConfig(clean="on")


# -- Through grower-train and the renderer ----------------------------------------------


def played(bank, name: str) -> np.ndarray:
    """[n] at SR: the bank's tone held HOLD_S at its own pitch, then released for 1 s."""
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw"))
    voice = renderer.note_on([t.entry.name for t in bank.tones].index(name), bank.tone(name).entry.f0_hz, 1.0)
    held = renderer.render(int(HOLD_S * SR))
    renderer.note_off(voice)
    return np.concatenate([held, renderer.render(SR)])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, clarinet):
    """(bank, what grower-train said on stderr): a clarinet clean, with hiss and hum, and in a room, trained with --clean auto."""
    import torch

    folder = tmp_path_factory.mktemp("cleaning")
    tones = folder / "tones"
    tones.mkdir()
    onset = int(np.argmax(np.abs(clarinet) >= np.abs(clarinet).max() * 0.01))
    copies = {"clean": clarinet, "noisy": room.add_hiss_and_hum(clarinet, SR), "reverb": room.add_reverb(clarinet, SR),
              "trimmed": room.add_hiss_and_hum(clarinet[onset : onset + int(HOLD_S * SR)], SR)}  # no quiet stretch to measure a floor in
    for name, audio in copies.items():
        soundfile.write(str(tones / f"{name}.wav"), audio, SR, subtype="FLOAT")
    said = io.StringIO()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads contending on a shared 2-core machine cost 10x
    try:
        with contextlib.redirect_stderr(said):
            assert train([str(tones), "--out", str(folder / "bank"), "--steps", "30", "--quiet", "--no-cache"]) == 0
    finally:
        torch.set_num_threads(threads)
    return load_bank(folder / "bank"), said.getvalue(), folder / "bank"


@needs_soundfont
def test_grower_train_says_and_keeps_what_it_removed_per_tone(trained):
    bank, said, bank_dir = trained
    lines = [line for line in said.splitlines() if line.startswith("cleaned")]
    assert len(lines) == 3 and "noisy.wav: noise floor" in "".join(lines) and "reverb.wav: reverberant tail" in "".join(lines)
    noisy = bank.tone("noisy").training.cleaning
    assert noisy["mains_hz"] == 50.0 and noisy["noise_floor_dbfs"] == pytest.approx(-45.0, abs=1.5)
    assert bank.tone("reverb").training.cleaning["tail_cut_s"] > 0.3
    assert bank.tone("clean").training.cleaning == {}
    trimmed = [line for line in lines if "trimmed.wav" in line]  # its hum removed, its hiss said and left
    assert len(trimmed) == 1 and "trimmed.wav: 50 Hz hum" in trimmed[0] and "a broadband floor of at least" in trimmed[0]
    assert bank.tone("trimmed").training.cleaning["unmeasured_floor_dbfs"] == pytest.approx(-50.0, abs=3.0)  # -45 dBFS white, read low
    assert bank.tone("trimmed").training.cleaning["noise_floor_dbfs"] is None
    assert json.loads((bank_dir / "bank.json").read_text())["config"]["features"]["clean"] == "auto"
    assert "cleaning: noise floor" in (bank_dir / "report" / "index.html").read_text()


@pytest.fixture(scope="module")
def renders(trained, clarinet):
    """(clean recording from its onset, {name: the bank's tone played}), all [n] at SR, one length."""
    bank, _, _ = trained
    start = int(np.argmax(np.abs(clarinet) >= np.abs(clarinet).max() * 0.01))  # a bank's tone starts at its onset
    played_ = {name: played(bank, name) for name in ("clean", "noisy", "reverb")}
    n = min(clarinet.shape[0] - start, *(r.shape[0] for r in played_.values()))
    return clarinet[start : start + n], {name: render[:n] for name, render in played_.items()}


@needs_soundfont
def test_a_tone_cleaned_of_hiss_and_hum_plays_about_as_near_the_clean_recording_as_the_clean_trained_one(renders):
    reference, played_ = renders
    lsd = {name: log_spectral_distance_db(reference, render) for name, render in played_.items()}
    assert lsd["noisy"] - lsd["clean"] <= 1.5 + 0.5, lsd  # the goal (1.5 dB), with some tolerance for 30 steps
    assert harmonic_levels_db(sustain(played_["noisy"]), 50.0, SR, 1)[0] <= -60.0  # no hum learned


@needs_soundfont
def test_a_tone_cut_from_its_rooms_tail_releases_as_the_clean_trained_one(renders):
    reference, played_ = renders
    tail = {name: level_at_db(render, HOLD_S + 0.3) - level_at_db(render, HOLD_S - 0.3) for name, render in played_.items()}
    assert tail["reverb"] <= max(tail["clean"] + 10.0, -60.0), tail  # the room rang on 20-30 dB below the sustain
    lsd = {name: log_spectral_distance_db(reference, render) for name, render in played_.items()}
    assert lsd["reverb"] - lsd["clean"] <= 1.5, lsd


def test_a_short_clean_tone_has_no_hum_found_in_its_leakage():
    audio = harmonic_tone(220.0, 0.8, SR)  # once, a "60 Hz line" at -120 dB stood out of one long frame's sidelobes
    cleaned, cleaning = clean(audio, SR)
    assert cleaned is audio and cleaning.mains_hz is None


def test_the_clean_flag_defaults_to_auto_and_refuses_other_modes(tmp_path, capsys):
    from grower.training.cli import parse_args

    assert parse_args([str(tmp_path)]).clean == "auto" and parse_args([str(tmp_path), "--clean", "off"]).clean == "off"
    with pytest.raises(SystemExit):
        parse_args([str(tmp_path), "--clean", "hard"])
    assert "invalid choice: 'hard'" in capsys.readouterr().err


@needs_soundfont
def test_a_stretched_tones_partials_that_stand_above_the_noise_are_kept_where_they_sound():
    from grower.synth.controls import partial_ratios
    from grower.training.inharmonicity import estimate_inharmonicity

    piano = gm_tones.render_note("piano", HOLD_S, HOLD_S + 0.5, SR)  # its 12th partial sits 1.5 f0 sharp of 12 f0
    noisy = room.add_hiss_and_hum(piano, SR)
    cleaned, _ = clean(noisy, SR)
    fit = estimate_inharmonicity(piano[int(0.15 * SR) :], 261.6, SR)
    assert fit.inharmonicity > 1e-4

    def partial_levels_db(audio: np.ndarray) -> np.ndarray:
        """[30] each partial's level over 0.1-0.8 s, dB re a full-scale sine: the peak within 3 bins of where B puts it."""
        n_fft = 4096
        window = np.hanning(n_fft)
        frames = np.lib.stride_tricks.sliding_window_view(audio[int(0.1 * SR) : int(0.8 * SR)], n_fft)[::1024] * window
        power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) / (np.sum(window) / 2) ** 2
        bins = np.round(partial_ratios(30, fit.inharmonicity, np.ones(1)) * fit.f0_hz * n_fft / SR).astype(int)
        return np.array([10 * np.log10(power[b - 3 : b + 4].max()) for b in bins])

    clean_db = partial_levels_db(piano)
    above_noise = partial_levels_db(noisy) - clean_db <= 3.0  # the noise adds less than 3 dB to these partials (1-10 and 12)
    assert above_noise.sum() >= 10
    error_db = np.abs(partial_levels_db(cleaned) - clean_db)[above_noise]
    assert np.all(error_db <= 4.0), error_db  # taken back on harmonic bins, the 12th was gated 38 dB down



@needs_soundfont
def test_a_piano_decaying_under_the_hiss_keeps_its_partials_while_they_stand_above_the_noise():
    """The note's quiet end is not the floor, and the gate does not take partials that stand out of the noise in their bins.

    At 1.3-2 s a piano C4's broadband level lies under -45 dBFS of hiss, while its
    first partials stand 15-25 dB above the noise in their own bins. Before: those
    frames were taken for floor (the fundamental 37 dB down at 1.5 s), and the gate
    took partials 2 and 3 30 dB down.
    """
    hold_s = 2.0
    piano = gm_tones.render_note("piano", hold_s, hold_s + 1.0, SR)
    noisy = room.add_hiss_and_hum(piano, SR)
    cleaned, cleaning = clean(noisy, SR)
    assert cleaning.noise_floor_dbfs == pytest.approx(-45.0, abs=0.5)

    def partial_levels_db(audio: np.ndarray) -> np.ndarray:
        """[n_frames, 6] partials 1-6 (where B puts them), dB, in 4096-point frames from 0.5 s to the release."""
        from grower.synth.controls import partial_ratios
        from grower.training.inharmonicity import estimate_inharmonicity

        fit = estimate_inharmonicity(piano[int(0.15 * SR) :], 261.6, SR)
        n_fft = 4096
        frames = np.lib.stride_tricks.sliding_window_view(audio[int(0.5 * SR) : int((hold_s - 0.05) * SR)], n_fft)[::1024]
        power = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2
        bins = np.round(partial_ratios(6, fit.inharmonicity, np.ones(1)) * fit.f0_hz * n_fft / SR).astype(int)
        return np.stack([10 * np.log10(power[:, b - 2 : b + 3].max(axis=1) + 1e-30) for b in bins], axis=1)

    clean_db = partial_levels_db(piano)
    above_noise = clean_db - partial_levels_db(noisy - piano) >= 12.0  # the partial stands 12 dB above the noise in its bins
    late = np.arange(clean_db.shape[0]) * 1024 / SR + 0.5 >= 1.3  # where the note's level is under the hiss's
    assert (above_noise & late[:, None]).sum() >= 15
    error_db = np.abs(partial_levels_db(cleaned) - clean_db)[above_noise]
    assert np.all(error_db <= 4.0), np.sort(error_db)[-5:]  # 12 dB of noise under a partial moves it by up to 2.3 dB



@needs_soundfont
def test_a_partial_that_sinks_into_the_hiss_decays_on_under_it_and_the_floor_after_the_note_is_silenced():
    """A piano's fourth partial falls under -45 dBFS of hiss at 1.2 s: it goes on falling (gated, it dropped 30 dB at once).
    After the note, where nothing of it is measurable, only the gate's residue of the floor was left: now silence."""
    hold_s = 2.0
    piano = gm_tones.render_note("piano", hold_s, hold_s + 1.0, SR)
    noisy = room.add_hiss_and_hum(piano, SR)
    cleaned, _ = clean(noisy, SR)

    under_noise = line_db(noisy - piano, 1.5, 1047.6, 2) - line_db(piano, 1.5, 1047.6, 2)
    assert under_noise >= 3.0  # the noise in its bins stands above it: nothing of it is measured there
    assert abs(line_db(cleaned, 1.5, 1047.6, 2) - line_db(piano, 1.5, 1047.6, 2)) <= 6.0
    after = slice(int((hold_s + 0.6) * SR), int((hold_s + 1.0) * SR))
    assert np.abs(piano[after]).max() < 1e-4 and np.all(cleaned[after] == 0.0)  # the gate kept the floor 40 dB down: -85 dBFS
    assert level_at_db(cleaned, hold_s - 0.05) == pytest.approx(level_at_db(piano, hold_s - 0.05), abs=1.0)  # the note itself, whole


# -- The tone's own noise, under the floor the gate takes --------------------------------


def test_own_noise_is_put_back_under_the_learned_amplitude_where_it_exceeds_the_learned_noise():
    from grower.training.cleaning import NO_OWN_NOISE_DB, with_own_noise

    n_bands = 5  # one point per band, at the bands' own frequencies
    own_db = np.full(n_bands, NO_OWN_NOISE_DB)
    own_db[2] = -20.0  # 1 % of the amplitude's power
    own_db[4] = -30.0
    learned = np.full((3, n_bands), 1e-4)
    learned[2, 2] = 0.5  # louder than the own noise: kept
    amplitude = np.array([[0.1], [1.0], [1.0]])
    out = with_own_noise(learned, amplitude, Cleaning(own_noise_db=tuple(own_db)))
    expected = learned.copy()
    expected[:2, 2] = np.sqrt(0.01) * amplitude[:2, 0]
    expected[:, 4] = np.sqrt(0.001) * amplitude[:, 0]
    np.testing.assert_allclose(out, expected, rtol=1e-9)
    assert with_own_noise(learned, amplitude, Cleaning()) is learned  # no record (a bank from before it): as learned


@needs_soundfont
def test_a_flutes_own_breath_above_the_floor_is_measured_at_its_level_and_a_clarinets_partials_are_not_taken_for_breath():
    from grower.training.cleaning import NO_OWN_NOISE_DB, own_noise_spectrum_db

    flute = gm_tones.render_note("flute", 2.0, 3.0, SR)
    _, cleaning = clean(room.add_hiss_and_hum(flute, SR), SR)
    found = np.asarray(cleaning.own_noise_db) > NO_OWN_NOISE_DB
    assert found.mean() >= 0.25 and "own noise above it kept" in cleaning.describe()
    # the same measure on the clean recording (no floor to subtract): the breath as it was played
    played_db = own_noise_spectrum_db(flute.astype(np.float64), flute, SR, -45.0, np.zeros(4096))
    assert np.median(np.abs(np.asarray(cleaning.own_noise_db) - played_db)[found]) <= 3.0
    clarinet = gm_tones.render_note("clarinet", 2.0, 3.0, SR)
    _, cleaning = clean(room.add_hiss_and_hum(clarinet, SR), SR)
    assert np.all(np.asarray(cleaning.own_noise_db) == NO_OWN_NOISE_DB)


@pytest.fixture(scope="module")
def flutes(tmp_path_factory):
    """(bank, the clean recording): a flute clean and under a -45 dBFS floor with hum, trained with --clean auto."""
    import torch

    folder = tmp_path_factory.mktemp("flutes")
    flute = gm_tones.render_note("flute", HOLD_S, HOLD_S + 0.5, SR)
    (folder / "tones").mkdir()
    soundfile.write(str(folder / "tones" / "clean.wav"), flute, SR, subtype="FLOAT")
    soundfile.write(str(folder / "tones" / "noisy.wav"), room.add_hiss_and_hum(flute, SR, noise_dbfs=-45.0), SR, subtype="FLOAT")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            assert train([str(folder / "tones"), "--out", str(folder / "bank"), "--steps", "30", "--quiet", "--no-cache"]) == 0
    finally:
        torch.set_num_threads(threads)
    return load_bank(folder / "bank"), flute


@needs_soundfont
def test_a_flute_under_a_noise_floor_learns_its_own_breath_where_it_stands_near_the_floor(flutes):
    bank, flute = flutes
    floor_band_db = 10 * np.log10(3.0) - 45.0  # white noise of RMS s is a noise filter's gain sqrt(3) s in every band

    def sustained_noise_db(name: str) -> np.ndarray:
        """[n_noise_bands] the tone's learned noise bands, dB, median over its sustain."""
        noise = bank.tone(name).controls["noise_magnitudes"]
        return 20 * np.log10(np.median(noise[noise.shape[0] // 4 : noise.shape[0] // 2], axis=0) + 1e-12)

    clean_db, noisy_db = sustained_noise_db("clean"), sustained_noise_db("noisy")
    near = clean_db >= floor_band_db - 10.0  # the breath within 10 dB of the floor or above: measurable under it
    # Enough bands for a median. Many lie within 2 dB of that line, so 6 to 10 qualify from run to run
    # (a 30-step run is not bit-reproducible across runs); CI once had 6 against an earlier bound of 8.
    assert near.sum() >= 4
    assert np.median(np.abs(noisy_db - clean_db)[near]) <= 6.0  # the gate alone left them 30-40 dB down (median 4-4.4 dB at 30 steps)
    far = clean_db < floor_band_db - 12.0  # 2 dB clear of "near": a band whose breath is 10 dB under the floor either way is neither
    assert np.all(noisy_db[far] <= floor_band_db)  # where the breath lies far under the floor, no floor is learned
