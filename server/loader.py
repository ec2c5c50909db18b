"""The loader: banks and tunings read and checked off the OSC and audio threads.

``LoaderThread`` runs loads one at a time, in the order they were asked for, on
a thread of its own, so the OSC thread keeps answering while a bank is read.
Each load runs in a worker thread that is waited for at most
``protocol.LOAD_TIMEOUT_S``: a load that takes longer is answered as failed, its
result thrown away if it ever comes, and the old bank plays on.

A timeout can only rescue a read that blocks *without* the GIL (Python's own
file reads, a slow disk). A native call that blocks holding it (safetensors
opening a FIFO) stalls every thread, audio included; that is why
``synth/bank.py`` checks every file with ``os.stat`` before opening it, and
``tuning.read_tuning_text`` opens non-blocking and checks what it opened.

``prepare_bank`` is what a bank goes through before it may play, at start-up
and on ``/grower/bank/load``: loaded and validated (``synth.bank.load_bank``),
its sizes checked against what a renderer can hold, a renderer built for it,
and every tone played briefly to check its samples are finite and not absurdly
loud. Every failure is one ``LoadError`` line naming the bank (and the tone)
and the reason.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grower.synth.bank import Bank, BankError, load_bank
from grower.synth.renderer import RenderConfig, Renderer

from .protocol import LOAD_TIMEOUT_S, reason_of, short_text
from .tuning import KeyMap, TuningLoadError, scala_keymap

MAX_STUCK_LOADS = 2  # loads abandoned after their timeout and still running; past this, loads are refused
PROBE_PERIODS = 2  # control periods each tone is played for, held and released, by the probe
MAX_HARMONICS = 1024  # harmonics a bank may have: the renderer keeps them per voice slot
MAX_OUTPUT_NOISE_BANDS = 1024  # noise bands at the output rate: the renderer's filter basis is [n, 2 n] doubles
MAX_PROBE_PEAK = 16.0  # peak sample a voice may reach at velocity 1 (24 dB past full scale), by the probe


class LoadError(Exception):
    """A bank or tuning that cannot be used: one line naming it and the reason."""


# -- what a load does ----------------------------------------------------------------

@dataclass(frozen=True)
class PreparedBank:
    """A bank that may play: loaded, validated, with a renderer built and probed for it."""

    bank: Bank
    renderer: Renderer


def prepare_bank(path: Path, config: RenderConfig, pause: Callable[[], None] = lambda: None) -> PreparedBank:
    """Load path's bank, build its renderer and probe it (see ``probe``). Raises LoadError.

    pause: called between the steps (grower-serve: ``Engine.yield_to_audio``, so the audio
    thread's block is not stretched by this work taking the GIL)."""
    label = short_text(path)
    pause()
    try:
        bank = load_bank(path)
    except BankError as error:
        raise LoadError(short_text(str(error), 1000)) from None
    check_sizes(bank, config, label)
    with np.errstate(all="ignore"):  # what goes wrong is checked and said below, not warned about on stderr
        pause()
        try:
            renderer = Renderer(bank, config)
        except Exception as error:  # noqa: BLE001 - a bank the renderer cannot take: say why, in one line
            raise LoadError(f"{label}: cannot be played ({reason_of(error)})") from None
        probe(renderer, bank, label, pause)
    return PreparedBank(bank, renderer)


def check_sizes(bank: Bank, config: RenderConfig, label: str) -> None:
    """Refuse, before any memory is taken, a bank whose renderer would be unreasonably large: more
    than MAX_HARMONICS harmonics, fewer than 2 noise bands, or bands so narrow that playing them at
    config.sample_rate takes more than MAX_OUTPUT_NOISE_BANDS (the filter grows with their square)."""
    header = bank.header
    if header.n_harmonics > MAX_HARMONICS:
        raise LoadError(f"{label}: n_harmonics is {header.n_harmonics}, more than the server plays ({MAX_HARMONICS})")
    if header.n_noise_bands < 2:
        raise LoadError(f"{label}: n_noise_bands must be at least 2 (the band edges), not {header.n_noise_bands}")
    band_hz = (header.sample_rate / 2) / (header.n_noise_bands - 1)
    n_output_bands = (config.sample_rate / 2) / band_hz + 1
    if n_output_bands > MAX_OUTPUT_NOISE_BANDS:
        raise LoadError(f"{label}: its noise bands are {band_hz:.3g} Hz wide, too narrow to play at {config.sample_rate} Hz "
                        f"({n_output_bands:.0f} bands; at most {MAX_OUTPUT_NOISE_BANDS})")


def probe(renderer: Renderer, bank: Bank, label: str, pause: Callable[[], None] = lambda: None) -> None:
    """Play every tone at its own pitch for a few control periods, held and then released, and
    check every sample is finite and below MAX_PROBE_PEAK per voice; then reset the renderer (its
    parameters stay). Raises LoadError naming the first tone that fails, or whose rendering raised."""
    config = renderer.config
    n_tones = len(bank.tones)
    for first in range(0, n_tones, config.max_voices):
        group = range(first, min(n_tones, first + config.max_voices))
        pause()
        if _probe_fault(renderer, bank, group):
            culprit = next((t for t in group if _probe_fault(renderer, bank, [t])), group[0])
            name = short_text(bank.tones[culprit].entry.name, 80)
            raise LoadError(f"{label}: {name}: {_probe_fault(renderer, bank, [culprit]) or 'it fails when played with the others'}")
    renderer.reset()


def _probe_fault(renderer: Renderer, bank: Bank, tones) -> str:
    """What is wrong when tones play together ("" for nothing)."""
    period, nyquist_hz = renderer.config.control_period, renderer.config.sample_rate / 2
    renderer.reset()
    try:
        for tone in tones:
            renderer.note_on(tone, min(bank.tones[tone].entry.f0_hz, 0.45 * nyquist_hz), 1.0)
        held = renderer.render(PROBE_PERIODS * period)
        renderer.all_notes_off()
        audio = np.concatenate([held, renderer.render(PROBE_PERIODS * period)])
    except Exception as error:  # noqa: BLE001 - a tone that breaks the renderer fails the probe
        return f"rendering it fails ({reason_of(error)})"
    if not np.isfinite(audio).all():
        return "its samples are not finite (NaN or infinite) when played"
    peak = float(np.abs(audio).max())
    if peak > MAX_PROBE_PEAK * len(tones):
        return f"it plays far past full scale (peak {peak:.3g}; at most {MAX_PROBE_PEAK:g} a voice)"
    return ""


def prepare_tuning(tone_f0_hz: np.ndarray, scl: Path, kbm: Path | None) -> KeyMap:
    """A Scala key map for the tones tone_f0_hz [n_tones] Hz. Raises LoadError."""
    try:
        return scala_keymap(tone_f0_hz, scl, kbm)
    except TuningLoadError as error:
        raise LoadError(short_text(str(error), 1000)) from None


# -- running loads -------------------------------------------------------------------

_stuck: list[threading.Thread] = []  # workers abandoned after their timeout


def run_with_timeout(work: Callable[[], object], label: str, timeout_s: float = LOAD_TIMEOUT_S):
    """work() on a worker thread, waited for at most timeout_s. Returns its result.

    Raises LoadError: its own, one naming label for any other exception, or one for the timeout
    (the worker is abandoned; while MAX_STUCK_LOADS are, further loads are refused at once).
    """
    _stuck[:] = [worker for worker in _stuck if worker.is_alive()]
    if len(_stuck) >= MAX_STUCK_LOADS:
        raise LoadError(f"{label}: not loaded: {len(_stuck)} earlier loads are still stuck reading their files")
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = work()
        except LoadError as error:
            outcome["error"] = str(error)
        except BaseException as error:  # noqa: BLE001 - any failure of a load is an answer, not a crash
            outcome["error"] = f"{label}: cannot be loaded ({reason_of(error)})"

    worker = threading.Thread(target=run, name="grower-load-worker", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        _stuck.append(worker)
        raise LoadError(f"{label}: not read within {timeout_s:g} s (a file that never ends or a stalled disk?)")
    if "error" in outcome:
        raise LoadError(outcome["error"])
    return outcome["result"]


class LoaderThread:
    """Runs loads off the OSC thread, one at a time, in the order asked. Use it for
    ``/grower/bank/load`` and ``/grower/tuning/load``; ``load`` and ``after_loads`` from the
    OSC thread. The thread starts with the first load."""

    def __init__(self, timeout_s: float = LOAD_TIMEOUT_S):
        self.timeout_s = timeout_s
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def load(self, work: Callable[[], object], label: str, done: Callable[[object], None], failed: Callable[[str], None]) -> None:
        """Run work() (see run_with_timeout); then done(result) or failed(one-line message), on the loader thread."""
        self._put((work, label, done, failed))

    def after_loads(self, fn: Callable[[], None]) -> bool:
        """Run fn on the loader thread once every load asked for before is finished. False (and fn not
        taken) when none is waiting: the caller may run fn at once."""
        if not self._jobs.unfinished_tasks:
            return False
        self._put((None, "", lambda _: fn(), None))
        return True

    @property
    def busy(self) -> bool:
        return bool(self._jobs.unfinished_tasks)

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Wait until every load asked for is finished (for tests and shutdown). False on timeout."""
        with self._jobs.all_tasks_done:
            return self._jobs.all_tasks_done.wait_for(lambda: not self._jobs.unfinished_tasks, timeout_s)

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(1.0)

    def _put(self, job) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="grower-loader", daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            work, label, done, failed = job
            try:
                try:
                    result = None if work is None else run_with_timeout(work, label, self.timeout_s)
                except LoadError as error:
                    failed(str(error))
                else:
                    done(result)
            except Exception as error:  # noqa: BLE001 - a callback's bug must not stop later loads
                sys.stderr.write(f"grower-serve: answering a load failed (a bug): {short_text(reason_of(error))}\n")
            finally:
                self._jobs.task_done()
        self._jobs.task_done()
