"""Training checkpoints: safetensors for tensors, JSON for the rest (no pickle).

A checkpoint is a folder: the bank's (:data:`grower.synth.bank.CHECKPOINT_DIR`),
written inside the new bank before it is swapped in, or a run's periodic one
beside the bank (:mod:`grower.training.bank_folder`). The whole folder is
written with :func:`grower.synth.atomic.atomic_directory`, so a killed run
leaves the previous checkpoint whole, never half of each. ``state.json``
names the tones, so a checkpoint is only trusted when it matches the tones
being trained.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from grower.synth.atomic import atomic_directory

from .config import GrowerConfig
from .trainer import TrainState, new_state


class CheckpointError(Exception):
    pass


def save_checkpoint(directory: Path, state: TrainState, config: GrowerConfig, tones: list) -> None:
    """Write the state of training ``tones`` ([TrainingTone]) as the folder directory, atomically.

    Raises OSError (or SafetensorError) when it cannot be written; directory is then as it was.
    """
    directory = Path(directory)
    tensors = {f"decoder.{k}": v.detach().cpu().contiguous() for k, v in state.decoders.state_dict().items()}
    tensors.update({f"optimizer.{k}": v.detach().cpu().contiguous() for k, v in state.optimizer.state_dict().items()})
    tensors["active"] = state.active.detach().cpu().to(torch.uint8)
    tensors["loss_ema"] = state.loss_ema.detach().cpu()
    meta = {
        "config": config.to_dict(),
        "tones": [{"name": t.name, "sha256": t.sha256} for t in tones],
        "step": state.step,
        "warm_started": state.warm_started,
        "stop_reason": state.stop_reason,
        "loss_history": state.loss_history,
        "ema_history": state.ema_history,
    }
    with atomic_directory(directory) as tmp:
        save_file(tensors, str(tmp / "state.safetensors"))
        (tmp / "state.json").write_text(json.dumps(meta))


def checkpoint_tones(directory: Path) -> list | None:
    """[(name, sha256)] of the tones a checkpoint holds, in order; None when it cannot be read."""
    try:
        return [(t["name"], t["sha256"]) for t in json.loads((Path(directory) / "state.json").read_text())["tones"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_checkpoint(directory: Path, config: GrowerConfig, tones: list) -> TrainState:
    """Restore a state for exactly these tones ([TrainingTone]) and config, or raise CheckpointError."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / "state.json").read_text())
        tensors = load_file(str(directory / "state.safetensors"))
    except FileNotFoundError:
        raise CheckpointError(f"{directory}: no checkpoint to resume from") from None
    except (OSError, ValueError, SafetensorError) as error:
        raise CheckpointError(f"{directory}: unreadable checkpoint ({error})") from None
    try:
        same_settings = _without_step_cap(meta["config"]) == _without_step_cap(config.to_dict())
        same_tones = meta["tones"] == [{"name": t.name, "sha256": t.sha256} for t in tones]
    except (KeyError, TypeError, AttributeError):
        raise CheckpointError(f"{directory}: unreadable checkpoint (state.json is malformed)") from None
    if not same_settings:
        raise CheckpointError(f"{directory}: the checkpoint was made with other settings; run without --resume to start over")
    if not same_tones:
        raise CheckpointError(f"{directory}: the checkpoint holds other tones than the ones to train; run without --resume to start over")
    state = new_state(tones, config)
    try:
        state.decoders.load_state_dict({k[len("decoder.") :]: v for k, v in tensors.items() if k.startswith("decoder.")})
        state.optimizer.load_state_dict({k[len("optimizer.") :]: v for k, v in tensors.items() if k.startswith("optimizer.")})
        state.active = tensors["active"].bool()
        state.loss_ema = tensors["loss_ema"]
        state.step = meta["step"]
        state.warm_started = meta["warm_started"]
        state.loss_history = meta["loss_history"]
        state.ema_history = meta["ema_history"]
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{directory}: unreadable checkpoint ({reason})") from None
    return state


def _without_step_cap(config: dict) -> dict:
    """The config as JSON sees it, less the step cap: raising --steps is what --resume is for."""
    config = json.loads(json.dumps(config))
    train = {k: v for k, v in config["train"].items() if k != "max_steps"}
    return {**config, "train": train}
