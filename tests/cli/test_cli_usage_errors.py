"""A mistyped command line gets the usage message and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soteplan", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("no-such-command",), "No such command"),
        (("locate", "no-such-model"), "no-such-model"),
        (("region", "network", "--no-such-option"), "--no-such-option"),
        (("demography", "--year", "not-a-year"), "--year"),
    ],
)
def test_usage_error_exits_2_with_a_message_and_no_traceback(args, expected):
    proc = _run(*args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert expected in proc.stderr
    assert "Usage" in proc.stderr
