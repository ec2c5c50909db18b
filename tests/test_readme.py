"""The README's quick start: two commands, and the main job works as written."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import soundfile

from grower.synth.bank import load_bank

ROOT = Path(__file__).resolve().parents[1]


def quick_start() -> list:
    spec = importlib.util.spec_from_file_location("quick_start", ROOT / ".ci" / "quick_start.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.commands(ROOT / "README.md")


def test_the_quick_start_is_two_commands_install_and_run_then_test():
    install_and_run, tests = quick_start()
    assert "pip install" in install_and_run and "grower-train examples/tones" in install_and_run
    assert "pytest" in tests


def test_the_quick_start_main_job_trains_and_grows_the_example_tones(tmp_path):
    """Runs the first command's jobs (after the install) with this environment's scripts."""
    job = " && ".join(part for part in quick_start()[0].split(" && ") if part.startswith(".venv/bin/grower-"))
    scripts = Path(sys.executable).parent
    job = job.replace(".venv/bin/", f"{scripts}/")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = subprocess.run(job, shell=True, cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    bank = load_bank(tmp_path / "bank")
    assert len(bank.tones) == 12
    for tone in bank.tones:
        audio, rate = soundfile.read(str(tmp_path / "bank" / "report" / f"{tone.entry.name}_reconstruction.wav"))
        assert rate == 22050 and abs(audio.shape[0] / rate - tone.entry.duration_s) < 0.02
    assert (tmp_path / "bank" / "report" / "losses.png").exists()
    for tone in bank.tones:
        grown, rate = soundfile.read(str(tmp_path / "grown" / f"grown_{tone.entry.name}.wav"))
        assert rate == 48000 and grown.shape[0] == int(44.8 * 48000)
    assert (tmp_path / "grown" / "outputs.zip").exists()
