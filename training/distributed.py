"""Training across processes and machines with torchrun: each rank trains its share of the tones.

    torchrun --nproc-per-node 4 -m grower.training.cli TONES --out BANK
    torchrun --nnodes 2 --node-rank R --master-addr HOST --nproc-per-node 8 -m grower.training.cli TONES --out BANK

Tones are independent, so nothing passes between ranks while they train: no
gradient all-reduce, no shared batch. Rank r takes every world_size-th file
from the r-th, trains it on its own device (``cuda:LOCAL_RANK`` where there
are GPUs, else the CPU; ranks talk over gloo either way), in chunks that fit its memory budget, and
stages each finished tone beside the bank (training.staging). Then rank 0
gathers every rank's staged tones and chunk checkpoints, one tone per rank at
a time so its memory stays bounded, and writes the one bank atomically, as a
single process would. The bank equals the single-process bank up to float
rounding (batched matmuls over other batch sizes).

On several machines, TONES must be readable at the same path on every node;
the bank is written on rank 0's node, and the incremental rule reads the bank
at --out as each node sees it.
"""

from __future__ import annotations

import datetime
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .staging import StagedTones


@dataclass(frozen=True)
class Ranks:
    """Where this process stands in a torchrun launch."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int

    @classmethod
    def from_environment(cls, environ=None) -> "Ranks | None":
        """The launch torchrun describes in the environment; None when this is a single process."""
        environ = os.environ if environ is None else environ
        try:
            world_size = int(environ.get("WORLD_SIZE", "1"))
            if world_size <= 1:
                return None
            rank = int(environ["RANK"])
            local_rank = int(environ.get("LOCAL_RANK", rank))
            local_world_size = int(environ.get("LOCAL_WORLD_SIZE", world_size))
        except (KeyError, ValueError) as error:
            raise ValueError(f"torchrun's environment is incomplete or malformed ({error}): RANK, WORLD_SIZE, LOCAL_RANK") from None
        if not 0 <= rank < world_size:
            raise ValueError(f"RANK={rank} is outside 0..{world_size - 1}")
        return cls(rank, world_size, local_rank, local_world_size)

    @property
    def is_writer(self) -> bool:
        """Rank 0 writes the bank."""
        return self.rank == 0

    def share(self, items: list) -> list:
        """This rank's items: every world_size-th one, from the rank-th (in their order)."""
        return list(items)[self.rank :: self.world_size]

    def device(self, wanted: str) -> str:
        """--device for this rank: auto or cuda means cuda:LOCAL_RANK where there is a GPU."""
        import torch

        if wanted in ("auto", "cuda") and torch.cuda.is_available():
            return f"cuda:{self.local_rank % torch.cuda.device_count()}"
        return "cpu" if wanted == "auto" else wanted

    def run_dir(self, run_folder: Path) -> Path:
        """Where this rank keeps its periodic checkpoint and staged tones: rank 0 the bank's run folder, others a folder in it."""
        return Path(run_folder) if self.is_writer else Path(run_folder) / f"rank-{self.rank}"


def start(ranks: Ranks, device: str) -> None:
    """Join the process group, over gloo on GPUs too.

    Ranks exchange only Python objects (plans, finished tones' files), never
    tensors, so NCCL would buy nothing, and it refuses two ranks on one GPU
    (more ranks than GPUs on a node), which gloo allows.
    """
    import torch
    import torch.distributed as dist

    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
    # A rank that finishes its share waits in the gather for the slowest: gloo's default 30 minutes
    # would fail a large library whose shares train for hours.
    dist.init_process_group("gloo", timeout=datetime.timedelta(days=1))


def stop() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def _read_tone_payload(staged: StagedTones, exported) -> dict:
    """A staged tone as bytes: its manifest's parts, its tone file and its report files."""
    return {
        "name": exported.entry.name,
        "manifest": (staged.directory / f"{exported.entry.name}.json").read_bytes(),
        "files": {f"tones/{exported.arrays.name}": exported.arrays.read_bytes(),
                  **{f"report/{name}": path.read_bytes() for name, path in exported.report_files.items()}},
    }


def _read_folder_payload(folder: Path) -> dict:
    return {"name": folder.name, "files": {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}}


def _write_payload(directory: Path, payload: dict, manifest_name: str | None = None) -> None:
    """Write a payload's files under directory; a tone's manifest last (it marks the tone whole)."""
    for relative, data in payload["files"].items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if manifest_name is not None:
        (directory / manifest_name).write_bytes(payload["manifest"])


def gathered(value) -> list:
    """Every rank's value (any picklable object), in rank order, on every rank."""
    import torch.distributed as dist

    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def up_to_date(plan, usable_names: list, previous_names: set) -> bool:
    """The launch's plan is up to date: no rank has anything to train or stage, and the ranks' shares together
    are exactly the previous bank's tones (a rank's own share never is, so its plan never says so).

    Every rank gets the same answer, from the same gathered values (rank 0's reading of the bank among
    them), so no rank stops while another goes on into collectives it would never meet.
    """
    shares = gathered((not plan.to_train and not plan.staged, sorted(usable_names), sorted(previous_names)))
    names = [name for _, share, _ in shares for name in share]
    return all(idle for idle, _, _ in shares) and len(names) == len(set(names)) and set(names) == set(shares[0][2])


def gather_staged(ranks: Ranks, staged: StagedTones, writer_staging: StagedTones, carried_names: list, sent_names: list,
                  sent_checkpoints: list) -> tuple:
    """Bring every rank's staged tones and chunk checkpoints into rank 0's staging folder.

    Called by every rank after training. staged: this rank's staging;
    writer_staging: rank 0's (where the tones go). carried_names: the tones
    this rank's plan carries from the bank. sent_names, sent_checkpoints: the
    staged tones and chunk checkpoints this rank sends (what this run trained or reused). Returns, on rank 0, (the names
    the other ranks carry, the names of the tones they staged, the names their
    chunk checkpoints got here); elsewhere ([], [], []). One tone per rank moves at a time.
    """
    import torch.distributed as dist

    # Only what this run trained or reused: a killed run's other staged tones may be stale, or now another rank's.
    mine = [tone for name, tone in staged.load().items() if name in sent_names] if not ranks.is_writer else []
    checkpoints = [d for d in staged.chunk_checkpoints() if d.name in sent_checkpoints] if not ranks.is_writer else []
    counts = [None] * ranks.world_size
    dist.all_gather_object(counts, (len(mine), len(checkpoints)))
    everyone_carried = [None] * ranks.world_size if ranks.is_writer else None
    dist.gather_object(carried_names, everyone_carried, dst=0)
    names, checkpoint_names = [], []
    for i in range(max(c[0] for c in counts)):
        payload = _read_tone_payload(staged, mine[i]) if i < len(mine) else None
        received = [None] * ranks.world_size if ranks.is_writer else None
        dist.gather_object(payload, received, dst=0)
        if ranks.is_writer:
            for item in filter(None, received):
                _write_payload(writer_staging.directory, item, manifest_name=f"{item['name']}.json")
                names.append(item["name"])
    for i in range(max(c[1] for c in counts)):
        payload = _read_folder_payload(checkpoints[i]) if i < len(checkpoints) else None
        received = [None] * ranks.world_size if ranks.is_writer else None
        dist.gather_object(payload, received, dst=0)
        if ranks.is_writer:
            for r, item in enumerate(received):
                if item is not None:
                    checkpoint_names.append(f"{item['name']}-rank{r}")
                    _write_payload(writer_staging.chunk_checkpoint_dir(checkpoint_names[-1]), item)
    dist.barrier()
    if not ranks.is_writer:
        shutil.rmtree(staged.directory.parent, ignore_errors=True)  # this rank's run folder: all on rank 0 now
    if not ranks.is_writer:
        return [], [], []
    return [name for rank_names in everyone_carried[1:] for name in rank_names], names, checkpoint_names
