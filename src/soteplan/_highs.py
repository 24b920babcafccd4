"""One place that creates HiGHS solver instances for every engine.

The first ``highspy.Highs()`` of a process prints a licence banner straight to
file descriptor 1; it is muted here so that machine-readable CLI output
(``--format json``) stays parseable.
"""

from __future__ import annotations

import os
import sys

import highspy

__all__ = ["new_highs"]

_BANNER_DONE = False


def new_highs() -> highspy.Highs:
    """A fresh HiGHS instance (the first one's banner on fd 1 is muted)."""
    global _BANNER_DONE
    if _BANNER_DONE:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        _BANNER_DONE = True
    return h
