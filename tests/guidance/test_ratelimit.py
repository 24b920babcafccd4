"""The token-bucket rate limiter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.api._ratelimit import RateLimiter
from soteplan.errors import ParameterError


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_refill_per_client():
    clock = Clock()
    lim = RateLimiter(2.0, 3, clock=clock)
    assert [lim.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert lim.acquire("a") == pytest.approx(0.5)
    assert lim.acquire("b") == 0.0  # another client has its own bucket
    clock.t = 0.5
    assert lim.acquire("a") == 0.0
    assert lim.acquire("a") > 0


def test_memory_is_bounded_and_bad_settings_refused():
    lim = RateLimiter(1.0, 1, max_clients=10, clock=Clock())
    for i in range(100):
        lim.acquire(f"c{i}")
    assert len(lim) == 10
    for bad in [(0.0, 1), (1.0, 0), (float("inf"), 1)]:
        with pytest.raises(ParameterError):
            RateLimiter(*bad)


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(0.1, 50),
    burst=st.integers(1, 20),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_never_more_than_burst_plus_rate_times_elapsed(rate, burst, gaps):
    clock = Clock()
    lim = RateLimiter(rate, burst, clock=clock)
    allowed = 0
    for g in gaps:
        clock.t += g
        allowed += lim.acquire("x") == 0.0
    assert allowed <= burst + rate * clock.t + 1e-9
