"""One BLAS thread for a recording's analysis, so its numbers do not depend on the machine.

OpenBLAS splits a matrix product between its threads and rounds by the split:
librosa's MFCCs (the mel projection) moved by 3e-6 between one thread and two,
and a tone's features, so what it learns, then depended on the core count,
OMP_NUM_THREADS and which process analysed it. The analyses' products are
small; one thread costs nothing measurable. threadpoolctl (3.5 or newer: it
knows numpy's scipy-openblas build) sets the limit for the block only.
Where threadpoolctl cannot reach the BLAS (macOS's Accelerate) nothing changes.
"""

from __future__ import annotations

_controller = None


def one_blas_thread():
    """A context in which numpy's BLAS runs on one thread (restored after)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()  # the BLAS libraries loaded now: numpy's, imported before any analysis
    return _controller.limit(limits=1, user_api="blas")
