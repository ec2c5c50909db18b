"""The training loop. Reads top to bottom:

1. warm start: fit every tone's decoder to its sinusoidal analysis (cheap,
   frame-level, no synthesis), so the spectral phase starts near the answer;
2. spectral phase: one random crop per tone per step, synthesise, compare to
   the cached target STFTs, sum the per-tone losses, per-tone Adam;
3. a tone stops when its smoothed loss stops improving; the run stops when
   every tone has, or at ``max_steps``, or on Ctrl-C.

Tones are independent throughout: own weights, own random generator, own
step count, clip and convergence.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from .config import GrowerConfig, RunConfig
from .cpu_share import ThreadCap
from .decoder import ToneDecoders
from .loss import analysis_loss, spectral_loss
from .optim import LossScaler, PerToneAdam
from .synthesis import render
from .tone_set import CropBatch, crop_size_for, draw_crops, inharmonicity_of

WARM_START_FRAMES = 256  # frames per tone per warm-start step (128 gave the same mean LSD but moved the trumpet's octave-down centroid in tests/contract/test_transpose.py past its bound)


@dataclass
class TrainState:
    """Everything a checkpoint holds besides the config."""

    decoders: ToneDecoders
    optimizer: PerToneAdam
    step: int = 0  # spectral steps taken (the run's step; tones may have stopped earlier)
    warm_started: bool = False
    active: torch.Tensor = None  # [T] bool: still training
    loss_ema: torch.Tensor = None  # [T]
    ema_history: list = field(default_factory=list)  # [[T] floats] per step
    loss_history: list = field(default_factory=list)  # [[T] floats] per step, raw crop losses; None where a tone had stopped
    stop_reason: str = ""
    warm_start_s: float = 0.0
    setup_s: float = 0.0  # train()'s start before the first step: the state moved to the device, the step built
    spectral_s: float = 0.0  # the spectral phase (this call's), from its first step to its last


def choose_device(run: RunConfig) -> torch.device:
    if run.device != "auto":
        return torch.device(run.device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def amp_dtype(run: RunConfig, device: torch.device):
    """bf16 autocast on CUDA by default; on CPU only when asked (1.07x a step, too little for the precision: see README)."""
    wanted = run.amp
    if wanted == "auto":
        wanted = "bf16" if device.type == "cuda" else "off"
    return {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[wanted]


def new_state(tones: list, config: GrowerConfig) -> TrainState:
    decoders = ToneDecoders(tones[0].inputs.shape[1], config.model, [t.seed for t in tones])
    n = len(tones)
    return TrainState(
        decoders=decoders,
        optimizer=PerToneAdam(decoders.parameters(), config.train.learning_rate, config.train.grad_clip),
        active=torch.ones(n, dtype=torch.bool),
        loss_ema=torch.zeros(n),
    )


def to_device(state: TrainState, device: torch.device) -> TrainState:
    """The state's decoders, optimizer moments and per-tone flags on device (in place; returned)."""
    state.decoders.to(device)
    # Module.to may put new Parameters in place of the old (a device whose tensors cannot share the CPU's
    # implementation); the optimizer must update the ones the decoders hold.
    state.optimizer.params = list(state.decoders.parameters())
    for name in ("steps", "exp_avg", "exp_avg_sq"):
        value = getattr(state.optimizer, name)
        setattr(state.optimizer, name, value.to(device) if torch.is_tensor(value) else [v.to(device) for v in value])
    state.active = state.active.to(device)
    state.loss_ema = state.loss_ema.to(device)
    return state


def warm_start(state: TrainState, tones: list, config: GrowerConfig, interrupt=None, on_step=None) -> None:
    """Fit each decoder to its tone's analysed harmonics and noise floor.

    interrupt: checked every step. on_step(): called before each step (the
    thread cap) and after it (a progress bar).
    """
    device = state.decoders.weights[0].device
    optimizer = PerToneAdam(state.decoders.parameters(), config.train.warm_start_learning_rate, config.train.grad_clip)
    everyone = torch.ones(len(tones), dtype=torch.bool, device=device)
    # Every tone's frames padded to the longest once, so a step gathers its picks
    # in one indexing per field instead of one per tone and field.
    padded = [torch.nn.utils.rnn.pad_sequence([getattr(t, name) for t in tones], batch_first=True).to(device)
              for name in ("inputs", "f0_hz", "analysis_harmonics", "analysis_noise")]
    rows = torch.arange(len(tones), device=device)[:, None]
    inharmonicity = inharmonicity_of(tones)
    inharmonicity = None if inharmonicity is None else inharmonicity.to(device)
    for _ in range(config.train.warm_start_steps):
        if interrupt is not None:
            interrupt.check()
        if on_step is not None:
            on_step(0)
        picks = torch.stack([torch.randint(t.inputs.shape[0], (WARM_START_FRAMES,), generator=t.generator) for t in tones])
        picks = picks.to(device)
        inputs, f0_hz, harmonics, noise = (frames[rows, picks] for frames in padded)
        losses = analysis_loss(state.decoders(inputs), f0_hz, harmonics, noise, config.features.sample_rate, inharmonicity)
        optimizer.zero_grad()
        losses.sum().backward()
        optimizer.step(everyone)
        if on_step is not None:
            on_step(1)
    state.warm_started = True


class SpectralStep:
    """One spectral training step, optionally compiled and under autocast."""

    def __init__(self, decoders: ToneDecoders, config: GrowerConfig, autocast_dtype, device: torch.device, compile_: bool):
        self.decoders, self.config, self.device = decoders, config, device
        self.autocast_dtype = autocast_dtype
        self.forward = self._forward
        if compile_:
            self.forward = torch.compile(self._forward, dynamic=False)
        self.compiled = compile_

    def _forward(self, inputs, f0_hz, phase_rad, white_noise, targets, tone_index=None, inharmonicity=None):
        precision = contextlib.nullcontext() if self.autocast_dtype is None else torch.autocast(self.device.type, dtype=self.autocast_dtype)
        with precision:
            controls = self.decoders(inputs, tone_index=tone_index)
        controls = {k: v.float() for k, v in controls.items()}
        hop = self.config.features.hop_size
        audio = render(controls, f0_hz, phase_rad, white_noise, self.config.features.sample_rate, hop, inharmonicity)["audio"][:, hop:]
        return spectral_loss(audio, targets, self.config.train.fft_sizes)

    def __call__(self, batch: CropBatch, tone_index: torch.Tensor | None = None) -> torch.Tensor:
        """The spectral loss [B] of the batch's B crops; tone_index [B]: whose decoders (None: every tone, in order)."""
        d = self.device
        args = (batch.inputs.to(d), batch.f0_hz.to(d), batch.phase_rad.to(d), batch.white_noise.to(d), [m.to(d) for m in batch.target_magnitudes],
                None if tone_index is None else tone_index.to(d), None if batch.inharmonicity is None else batch.inharmonicity.to(d))
        try:
            return self.forward(*args)
        except Exception as error:  # compile can fail on some platforms; eager always works
            if not self.compiled:
                raise
            print(f"grower-train: torch.compile failed ({type(error).__name__}: {str(error).splitlines()[0][:120]}); continuing without it", file=sys.stderr)
            self.forward, self.compiled = self._forward, False
            return self.forward(*args)


def update_convergence(state: TrainState, losses: torch.Tensor, config: GrowerConfig) -> None:
    """EMA per tone; a tone stops when its EMA improved < tolerance over the last window."""
    window, tolerance = config.train.converge_window, config.train.converge_tolerance
    alpha = 2.0 / (window / 4 + 1)
    first = state.step == 1
    state.loss_ema = torch.where(state.active, losses if first else (1 - alpha) * state.loss_ema + alpha * losses, state.loss_ema)
    state.ema_history.append(state.loss_ema.tolist())
    if config.train.early_stop and state.step > 2 * window:
        before = torch.tensor(state.ema_history[-1 - window], device=state.loss_ema.device)
        improvement = (before - state.loss_ema) / before.abs().clamp(min=1e-8)
        state.active &= ~(improvement < tolerance)


def train(tones: list, config: GrowerConfig, run: RunConfig, state: TrainState | None = None, checkpoint=None, progress: bool = True,
          interrupt=None) -> TrainState:
    """Train (or continue training) every tone. Ctrl-C stops cleanly; the state so far is returned.

    checkpoint: optional callable(state), called every ``run.checkpoint_every_s``.
    interrupt: optional training.interrupt.Interrupt, checked every step (and
    every warm-start step): its first Ctrl-C stops training like a
    KeyboardInterrupt does; after its second (``interrupt.forced``) the
    KeyboardInterrupt is raised on, and nothing is returned.
    progress: a "warm start" bar, then a "training" bar, on stderr.
    """
    entered = time.perf_counter()
    device = choose_device(run)
    state = to_device(state or new_state(tones, config), device)
    compile_ = run.compile == "on"  # auto: off everywhere; on an H200 compiling took 23.5 s (3.1 s from its cache) against 1.7 s for the steps after it (README)
    autocast = amp_dtype(run, device)
    step_fn = SpectralStep(state.decoders, config, autocast, device, compile_)
    scaler = LossScaler(enabled=autocast is torch.float16)
    crop_size = crop_size_for(config)
    last_checkpoint = time.monotonic()
    thread_cap = ThreadCap(device.type)

    def warm_step(done: int) -> None:
        thread_cap()
        warm_bar.update(done)

    bar = None
    state.setup_s = time.perf_counter() - entered
    warm_began = spectral_began = None  # when each phase of this call began, for its time (a Ctrl-C's too)
    try:
        if not state.warm_started:
            warm_began = time.perf_counter()
            with progress_bar(config.train.warm_start_steps, "warm start", "step", progress) as warm_bar:
                warm_start(state, tones, config, interrupt, on_step=warm_step)
        bar = progress_bar(config.train.max_steps, "training", "step", progress, initial=state.step)
        spectral_began = time.perf_counter()
        if warm_began is not None:
            state.warm_start_s = spectral_began - warm_began
        while state.step < config.train.max_steps and bool(state.active.any()):
            if interrupt is not None:
                interrupt.check()
            thread_cap()
            # A tone that has stopped leaves the batch: it costs nothing more, and the
            # others are unchanged (own crops, own generator, own weights). A compiled
            # step keeps the whole batch, as a new batch size would recompile it.
            if step_fn.compiled or bool(state.active.all()):
                index, batch_tones = None, tones
            else:
                index = state.active.nonzero()[:, 0].cpu()
                batch_tones = [tones[i] for i in index.tolist()]
            batch = draw_crops(batch_tones, crop_size, config)
            batch_losses = step_fn(batch, index)
            if index is None:
                losses = batch_losses
            else:
                losses = batch_losses.new_zeros(len(tones)).index_copy(0, index.to(batch_losses.device), batch_losses)
            state.optimizer.zero_grad()
            (batch_losses.sum() * scaler.scale).backward()
            progress_ = state.step / max(config.train.max_steps, 1)
            state.optimizer.lr = config.train.learning_rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress_)))
            if not scaler.unscale(state.optimizer.params):
                continue  # fp16 overflow: the step is skipped and the scale lowered
            state.optimizer.step(state.active)
            state.step += 1
            detached = losses.detach()
            trained = state.active.tolist()
            state.loss_history.append([loss if on else None for loss, on in zip(detached.tolist(), trained)])
            update_convergence(state, detached, config)
            bar.update(1)
            bar.set_postfix(loss=f"{float(batch_losses.detach().mean()):.3f}", training=f"{int(state.active.sum())}/{len(tones)}")
            if checkpoint is not None and time.monotonic() - last_checkpoint > run.checkpoint_every_s:
                checkpoint(state)
                last_checkpoint = time.monotonic()
        state.stop_reason = "converged" if not bool(state.active.any()) else "step cap reached"
    except KeyboardInterrupt:
        if interrupt is not None and getattr(interrupt, "forced", False):
            raise  # the second Ctrl-C: quit now, nothing is saved
        state.stop_reason = "interrupted"
    finally:
        ended = time.perf_counter()
        if spectral_began is not None:
            state.spectral_s = ended - spectral_began
        elif warm_began is not None:  # stopped in the warm start
            state.warm_start_s = ended - warm_began
        thread_cap.restore()
        if bar is not None:
            bar.close()
    return state


def progress_bar(total: int, description: str, unit: str, enabled: bool = True, initial: int = 0) -> tqdm:
    """A tqdm bar on stderr; enabled=False (--quiet): none.

    In a log file (not a terminal) a bar redrawn 10 times a second is noise: there it is redrawn every 10 s.
    """
    interval_s = 0.1 if sys.stderr.isatty() else 10.0
    return tqdm(total=total, initial=initial, desc=description, unit=unit, disable=not enabled, dynamic_ncols=True, file=sys.stderr, mininterval=interval_s)


@torch.no_grad()
def reconstruct(decoders: ToneDecoders, tones: list, config: GrowerConfig, audio: bool = True) -> list:
    """Controls (and audio) for every tone's whole recording, one tone at a time.

    Returns per tone {"controls": {name: [n_frames, ...]}} and, with audio, "audio",
    "harmonic", "noise": [n_samples], as float32 CPU tensors; noise from the tone's seed.
    grower-train's export takes the controls only: its report hears the renderer
    (grower.synth.reconstruction), not this render.
    """
    decoders = decoders.cpu().float()
    results = []
    for t, tone in enumerate(tones):
        controls = decoders(tone.inputs[None], tone_index=torch.tensor([t]))
        result = {"controls": {k: v[0] for k, v in controls.items()}}
        if audio:
            generator = torch.Generator().manual_seed(tone.seed + 2)
            noise = torch.rand(1, tone.inputs.shape[0] - 1, config.features.hop_size, generator=generator) * 2 - 1
            out = render(controls, tone.f0_hz[None], tone.phase_rad[None], noise, config.features.sample_rate, config.features.hop_size,
                         inharmonicity_of([tone]))
            result.update({k: v[0] for k, v in out.items()})
        results.append(result)
    return results
