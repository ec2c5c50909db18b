"""The folder a grower-train run writes its bank to: checked before, locked during, tidied after.

Beside ``BANK_DIR``, in its parent folder, a run keeps:

- ``.NAME.lock``: locked (``flock``) while a run writes ``BANK_DIR``, so a second
  run into the same bank is refused rather than racing the first; removed at
  the end of the run;
- ``.NAME.run/checkpoint/``: the periodic training checkpoint, for ``--resume``
  after a crash. It is never written into the bank, so a killed run cannot
  damage the previous bank's checkpoint; it is removed once the bank is written;
- ``.NAME.new-*`` and ``.NAME.old-*``: :func:`grower.synth.atomic.atomic_directory`'s
  new bank and the previous one, while the new one is swapped in.

A run killed outright (``kill -9``, a power cut) can leave any of these. The
next run, holding the lock (so no live run owns them), puts back a previous
bank that was moved aside when the kill came between the two renames of a
swap, and removes the rest. Without ``fcntl`` (Windows) nothing is locked and
nothing is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from grower.synth.bank import BANK_JSON, BankError, load_bank
from grower.synth.file_kind import file_kind

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None


class BankFolderError(Exception):
    """The output folder cannot be used; the message is the whole line after ``grower-train: ``."""


_RUST_IO_MESSAGE = re.compile(r'message: "([^"]+)"')


def failure_reason(error: BaseException) -> str:
    """Why a write failed, in one line without the path (the caller names it), never empty.

    OSError: its strerror ("No space left on device"). safetensors reports an
    OSError as Rust's debug text, "IoError(Os { code: 28, ..., message: \"No
    space left on device\" })": its message is taken out.
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    found = _RUST_IO_MESSAGE.search(text)
    if found:
        return found.group(1)
    return text.splitlines()[0] if text else type(error).__name__


def check_output(path: Path) -> Path:
    """The folder to write the bank to, or BankFolderError when --out cannot be one.

    Refused, with nothing touched: an existing file (or FIFO, device, ...), a
    non-empty folder without bank.json (it is something else: a bank would
    replace it), a symbolic-link loop, and a place where no folder can be made
    (a parent that is a file, a read-only or forbidden folder). A symbolic
    link to a folder is followed, so the link keeps pointing at the bank.
    """
    path = Path(path)
    try:
        if path.is_symlink():
            path = path.resolve(strict=False)
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # not there (yet): can it be made? (_check_writable says)
        mode = None
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic-link loop (Python < 3.13)
        loop = isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP
        raise BankFolderError(f"{path}: cannot use as --out ({'symbolic link loop' if loop else failure_reason(error)})") from None
    if mode is not None and not stat.S_ISDIR(mode):
        raise BankFolderError(f"{path}: exists and is not a bank folder ({file_kind(mode)}); give --out a new or empty folder, or a bank")
    if mode is not None:
        try:
            entries = set(os.listdir(path))
        except OSError as error:
            raise BankFolderError(f"{path}: cannot read the folder ({failure_reason(error)})") from None
        if entries and BANK_JSON not in entries:
            raise BankFolderError(f"{path}: exists and is not a bank folder (it holds files but no {BANK_JSON}); "
                                  "give --out a new or empty folder, or a bank")
    _check_writable(path.parent)
    return path


def _check_writable(folder: Path) -> None:
    """Make and remove a hidden folder in folder (or its nearest existing ancestor): before an hour of training, not after."""
    probe_in = folder
    while not probe_in.exists() and probe_in != probe_in.parent:
        probe_in = probe_in.parent
    try:
        if not probe_in.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{probe_in} is not a folder")
        os.rmdir(tempfile.mkdtemp(prefix=".grower-train.probe-", dir=probe_in))
    except OSError as error:
        raise BankFolderError(f"{folder}: cannot write the bank there ({failure_reason(error)})") from None


def run_folder(bank_dir: Path) -> Path:
    """The hidden folder beside bank_dir where a run keeps its periodic checkpoint."""
    bank_dir = Path(bank_dir)
    return bank_dir.parent / f".{bank_dir.name}.run"


class BankFolder:
    """The lock and the tidying of one run's output folder. ``with BankFolder(path, on_note) as folder:``.

    on_note(line): told what was restored or removed from a killed run.
    Raises BankFolderError on entry when another run holds the lock or the
    lock cannot be made.
    """

    def __init__(self, path: Path, on_note=None):
        self.path = Path(path)
        self.on_note = on_note or (lambda line: None)
        self.lock_path = self.path.parent / f".{self.path.name}.lock"
        self.run_dir = run_folder(self.path)
        self._lock = None

    def __enter__(self) -> "BankFolder":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            locked = self._acquire()
        except OSError as error:
            raise BankFolderError(f"{self.path}: cannot write the bank there ({failure_reason(error)})") from None
        if locked:
            try:
                self._tidy()
            except OSError as error:
                self._release()
                raise BankFolderError(f"{self.path}: cannot tidy what a killed run left beside it ({failure_reason(error)})") from None
            except BaseException:
                self._release()
                raise
        return self

    def __exit__(self, *exc) -> None:
        self._release()

    def finish(self) -> None:
        """The bank is written: the run's checkpoints are in it, so the run folder goes."""
        _remove(self.run_dir)

    # -- the lock ---------------------------------------------------------------------

    def _acquire(self) -> bool:
        """Lock .NAME.lock; False where nothing can be locked (no fcntl)."""
        if fcntl is None:
            return False
        while True:
            handle = open(self.lock_path, "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read().strip()
                handle.close()
                raise BankFolderError(f"{self.path}: another grower-train{f' (pid {owner})' if owner.isdigit() else ''} is writing this bank; "
                                      "wait for it to finish") from None
            except BaseException:
                handle.close()
                raise
            # The file may have been removed by the run that held it, between our open and lock: then lock the new one.
            try:
                same = os.path.samestat(os.fstat(handle.fileno()), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                handle.seek(0)
                handle.truncate()
                handle.write(str(os.getpid()))
                handle.flush()
                self._lock = handle
                return True
            handle.close()

    def _release(self) -> None:
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.lock_path)  # while still locked: a run that opened this file meanwhile sees it gone and makes its own
        self._lock.close()
        self._lock = None

    # -- what a killed run left --------------------------------------------------------

    def _tidy(self) -> None:
        """Under the lock: undo a swap cut between its two renames, then remove the swap's other leftovers."""
        pattern = re.compile(rf"^\.{re.escape(self.path.name)}\.(new|old)-[a-z0-9_]+$")
        leftovers = [self.path.parent / name for name in sorted(os.listdir(self.path.parent)) if pattern.match(name)]
        if not leftovers:
            return
        if not os.path.lexists(self.path):
            old = [p for p in leftovers if ".old-" in p.name and p.is_dir() and not p.is_symlink()]
            for candidate in sorted(old, key=lambda p: p.stat().st_mtime, reverse=True):
                try:
                    load_bank(candidate)
                except BankError:
                    continue
                os.replace(candidate, self.path)
                leftovers.remove(candidate)
                self.on_note(f"grower-train: {self.path}: put back the previous bank, which a killed run had moved aside to {candidate.name}")
                break
        for leftover in leftovers:
            _remove(leftover)
        if leftovers:
            self.on_note(f"grower-train: removed {len(leftovers)} folder(s) left beside {self.path} by a killed run")


def _remove(path: Path) -> None:
    """Remove a folder tree, or a file or link (never following a link)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)
