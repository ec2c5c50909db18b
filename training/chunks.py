"""Chunks: the tones to train split so that each group fits a memory budget.

Tones are independent (own weights, crops, generator and convergence), so a
library of any size trains as a sequence of batches, each a few dozen or
hundred tones, with the same result per tone as one batch of all of them.
What a tone costs while it trains, measured here on the CPU with the default
model (resource.getrusage peak against the tones in the batch):

- the crop's activations: synthesis, STFTs and their gradients, about
  1.1 KB per crop sample (8192 samples: 9 MB a tone), whatever its length;
- its cached tensors: the target, the fundamental's phase, four target STFTs
  and the features, about 64 bytes per sample of the recording;
- its reconstruction and report while its chunk is exported, within the above.

``--max-memory`` is the peak the whole process may reach: what it holds
before training (torch, the libraries, measured at the time) is taken off
first, and the rest is shared out. The default is a quarter of the machine's
memory (or of the memory still available, if less); on CUDA, the budget is
the GPU's memory, where the activations live, and it is measured there.
"""

from __future__ import annotations

import ctypes
import gc
import os
import re
import sys

ACTIVATION_BYTES_PER_CROP_SAMPLE = 1152
CACHED_BYTES_PER_SAMPLE = 64
DEFAULT_SHARE_OF_MEMORY = 0.25

_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """'800M', '4G', '2.5GB', '1024' (bytes) -> bytes; ValueError with the reason otherwise."""
    found = _SIZE.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a size (say 800M, 4G or a number of bytes)")
    size = int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    if size <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return size


def format_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n_bytes) < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit in ("B", "KB") else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} GB"


def machine_memory_bytes() -> tuple[int, int | None]:
    """(total RAM, available RAM or None where unknown)."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 8 * 1024**3
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        pass
    return total, available


def default_budget_bytes(device_type: str = "cpu", cuda_total_bytes: int | None = None) -> int:
    """A quarter of the RAM (of what is available, if less); on CUDA, 90 % of the GPU's memory."""
    if device_type == "cuda" and cuda_total_bytes:
        return int(0.9 * cuda_total_bytes)
    total, available = machine_memory_bytes()
    budget = DEFAULT_SHARE_OF_MEMORY * total
    if available is not None:
        budget = min(budget, 0.8 * available)
    return int(budget)


def resident_bytes() -> int:
    """This process's resident memory now (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def tone_bytes(n_samples: int, crop_size: int) -> int:
    """What one tone of n_samples adds to the peak while its chunk trains."""
    return ACTIVATION_BYTES_PER_CROP_SAMPLE * crop_size + CACHED_BYTES_PER_SAMPLE * n_samples


def split(n_samples: list, budget_bytes: int, crop_size: int) -> list:
    """Consecutive groups of tone indices, each group's tone_bytes summing within budget_bytes.

    n_samples: [n_tones] each tone's length. A tone that alone exceeds the
    budget still gets a chunk of its own: it cannot be trained with less.
    Returns [[index, ...], ...] covering 0..n_tones-1 in order.
    """
    chunks, current, used = [], [], 0
    for i, n in enumerate(n_samples):
        cost = tone_bytes(n, crop_size)
        if current and used + cost > budget_bytes:
            chunks.append(current)
            current, used = [], 0
        current.append(i)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def peak_resident_bytes() -> int:
    """The most this process has held at once so far (getrusage; 0 where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS says bytes, Linux kilobytes


def release_memory() -> None:
    """Give what a finished chunk freed back to the system, so the next one starts from the same floor.

    Measured here: without it, 250 MB that a 36-tone chunk had freed stayed
    resident (glibc keeps freed heap), and the next chunk's peak rose by that much.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


class ChunkSizer:
    """Takes the next chunk from the tones left, each sized to what the budget leaves free now.

    The cost model (tone_bytes) is corrected by what the chunks so far really
    took: when a chunk's peak exceeds its prediction, later chunks are priced
    up by that ratio, so the budget holds from then on.
    """

    def __init__(self, budget_bytes: int | None, crop_size: int, device=None):
        """device: a torch.device; on CUDA the budget is the GPU's memory, measured there (torch.cuda's allocator)."""
        self.budget_bytes, self.crop_size = budget_bytes, crop_size
        self.scale = 1.0  # observed / predicted cost of the chunks so far
        self._before = None
        if device is not None and device.type == "cuda":
            import torch

            self._held = lambda: torch.cuda.memory_allocated(device)
            self._peak = lambda: torch.cuda.max_memory_allocated(device)
        else:
            self._held, self._peak = resident_bytes, peak_resident_bytes

    def free_bytes(self) -> int:
        return max(self.budget_bytes - self._held(), 0)

    def take(self, n_samples: list) -> int:
        """How many of the tones left (their lengths, in order) the next chunk takes (at least one)."""
        if self.budget_bytes is None:
            return len(n_samples)
        groups = split(n_samples, int(self.free_bytes() / self.scale), self.crop_size)
        return len(groups[0]) if groups else 0

    def estimate_chunks(self, n_samples: list) -> int:
        if self.budget_bytes is None:
            return 1 if n_samples else 0
        return len(split(n_samples, int(self.free_bytes() / self.scale), self.crop_size))

    def started(self) -> None:
        """Call as a chunk starts training."""
        self._before = (self._held(), self._peak())

    def finished(self, n_samples: list) -> None:
        """Call once the chunk (these lengths) is trained and staged, before release_memory()."""
        if self._before is None or self.budget_bytes is None:
            return
        held, peak = self._before
        now_peak = self._peak()
        if now_peak > peak:  # this chunk set the peak: what did it really cost?
            predicted = sum(tone_bytes(n, self.crop_size) for n in n_samples)
            self.scale = max(self.scale, (now_peak - held) / max(predicted, 1))
