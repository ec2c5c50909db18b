"""What kind of file a stat mode names, in words for one-line errors ("is a FIFO, not a regular file").

Every reader of untrusted paths (banks, Scala files, output folders) checks the
kind with os.stat before opening, so a FIFO or device never blocks a read.
"""

from __future__ import annotations

import stat


def file_kind(mode: int) -> str:
    """'a regular file', 'a directory', 'a FIFO', 'a device', 'a socket' or 'a special file', from st_mode."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
