# ruff: noqa: N803, N806  (matrix names C, W follow the formulas)
"""p-median local search: greedy construction, fast vertex substitution with incremental
gain/loss/extra arrays (Whitaker 1983; Resende & Werneck 2007) and an iterated local search
that perturbs the current solution *inside* those arrays.

A restart from scratch pays the ``O(n · m)`` set-up of the arrays and a full descent; a
perturbation of one or two sites near each other followed by a descent costs a few swaps,
each ``O(|affected| · m + p · m)``, and so does undoing it.  On the OR-Library shapes that
is 20–100× cheaper per trial than a restart, so many more trials fit in the same time
(Resende & Werneck's local search is the kernel; the perturb-descend-accept loop is the
iterated local search of Lourenço, Martin & Stützle 2003).
"""

from __future__ import annotations

import os
import time
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

REBUILD_EVERY = 400  # swaps between full rebuilds of the arrays (rounding drift)
WORK_PASSES = 30.0  # iterated search per start: updates worth at most 30 passes over C
# ... but at least this many work units: on small instances a pass is so cheap that 30 of
# them stop the search long before it converges
WORK_FLOOR = 2.0e6  # about 30 passes at n = 258
KICK_MAX = 2  # a kick moves 1..KICK_MAX sites
ACCEPT = 0.0  # walk on from a result at most this share worse than the one kicked
NEAR = 6  # a kick opens one of the NEAR cheapest closed sites of a demand of the closed one


_JIT: ModuleType | bool | None = None  # None: not tried yet; False: numpy path only
# the compiled kernels only for matrices of at least this many entries: below it the numpy
# path takes well under 0.1 s, less than numba's import and cache load in a fresh process
JIT_MIN_SIZE = 100_000


def jit_kernels(size: int | None = None) -> ModuleType | None:
    """The compiled kernels (:mod:`soteplan.locate._swap_numba`), or ``None`` when numba is
    not importable, ``SOTEPLAN_NUMBA=0`` is set or the matrix (``size`` entries) is smaller
    than :data:`JIT_MIN_SIZE`; the numpy methods are then used.  The import happens here,
    on the first large search, never at package import."""
    global _JIT
    if size is not None and size < JIT_MIN_SIZE:
        return None
    if _JIT is None:
        _JIT = False
        if os.environ.get("SOTEPLAN_NUMBA", "1") != "0":
            try:
                from soteplan.locate import _swap_numba

                _JIT = _swap_numba
            except ImportError:
                pass
    return _JIT if isinstance(_JIT, ModuleType) else None


def objective_of(C: FloatArray, w: FloatArray, open_mask: BoolArray) -> float:
    """Weighted sum of nearest-open-site costs."""
    return float(w @ C[:, open_mask].min(axis=1))


def greedy(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    rng: np.random.Generator | None = None,
    rcl: int = 3,
) -> BoolArray:
    """Greedy addition: open the fixed sites, then repeatedly the site saving most cost.

    The saving of every candidate is kept up to date incrementally: opening ``j`` changes
    only the demands it brings closer, so a step costs ``O(|affected| · m)``, not
    ``O(n · m)``.  With ``rng`` each step picks uniformly among the ``rcl`` best candidates
    (randomised greedy, a multi-start construction).
    """
    open_mask = fixed.copy()

    def pick(score: FloatArray) -> int:
        sc = np.where(allowed & ~open_mask, score, -np.inf)
        if rng is None or rcl <= 1:
            return int(np.argmax(sc))
        k = min(rcl, int(np.isfinite(sc).sum()))
        top = np.argpartition(-sc, k - 1)[:k]
        return int(rng.choice(top))

    if open_mask.any():
        d1 = C[:, open_mask].min(axis=1)
    else:
        j = pick(-(w @ C))
        open_mask[j] = True
        d1 = C[:, j].copy()
    kern = jit_kernels(C.size) if rng is None or rcl <= 1 else None
    if kern is not None:
        kern.greedy_fill(
            np.ascontiguousarray(C, dtype=np.float64),
            np.ascontiguousarray(w, dtype=np.float64),
            p,
            allowed,
            open_mask,
            np.ascontiguousarray(d1, dtype=np.float64),
        )
        return open_mask
    gain = w @ np.maximum(d1[:, None] - C, 0.0)
    while open_mask.sum() < p:
        j = pick(gain)
        open_mask[j] = True
        aff = np.flatnonzero(C[:, j] < d1)
        if aff.size:
            Ca = C[aff]
            newd = Ca[:, j]
            gain -= w[aff] @ (
                np.maximum(d1[aff, None] - Ca, 0.0) - np.maximum(newd[:, None] - Ca, 0.0)
            )
            d1[aff] = newd
    return open_mask


def _nearest_two(C: FloatArray, open_idx: IntArray) -> tuple[FloatArray, IntArray, FloatArray]:
    """Nearest cost, its position in ``open_idx`` (the first among ties) and the
    second-nearest cost (``inf`` when one site is open)."""
    sub = C[:, open_idx]
    n = C.shape[0]
    if len(open_idx) == 1:
        return sub[:, 0].copy(), np.zeros(n, dtype=np.int64), np.full(n, np.inf)
    k1 = np.argmin(sub, axis=1)
    d1 = sub[np.arange(n), k1]
    d2 = np.partition(sub, 1, axis=1)[:, 1]
    return d1, k1.astype(np.int64), d2


class SwapSearch:
    """Open set with Whitaker's gain/loss and Resende-Werneck's ``extra`` matrix.

    ``profit(f, u) = gain[u] − loss[f] + extra[f, u]`` for every open ``f`` and closed ``u``
    is the exact saving of swapping ``f`` out and ``u`` in.  Each demand contributes only
    through the sites closer than its second-nearest open one; a swap takes out and puts back
    the contributions of the demands whose two nearest open sites change (those served by
    ``f`` or by ``f`` as second, and those brought closer by ``u``).
    """

    def __init__(
        self,
        C: FloatArray,
        w: FloatArray,
        open_mask: BoolArray,
        allowed: BoolArray,
        fixed: BoolArray,
        *,
        jit: bool | None = None,
    ) -> None:
        # the kernels index C row by row: a C-contiguous float64 copy if it is not one
        self.C = np.ascontiguousarray(C, dtype=np.float64)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        C = self.C
        # jit: None = the compiled kernels where numba is importable and C is large enough,
        # True = wherever numba is importable, False = numpy only
        self.kern = jit_kernels(C.size) if jit is None else (jit_kernels() if jit else None)
        self.allowed, self.fixed = allowed.copy(), fixed.copy()
        self.open = open_mask.copy()
        n, m = C.shape
        self.big = float(np.max(C)) * 4.0 + 1.0
        self.d1 = np.zeros(n)
        self.d2 = np.zeros(n)
        self.k1 = np.zeros(n, dtype=np.int64)
        self.gain = np.zeros(m)
        self.loss = np.zeros(m)
        # extra[f, u] is non-zero only for open f: one row per open site (its slot)
        self.site = np.flatnonzero(self.open).astype(np.int64)  # slot -> site
        self.slot = np.full(m, -1, dtype=np.int64)  # site -> slot
        self.slot[self.site] = np.arange(len(self.site))
        self.extra = np.zeros((len(self.site), m))
        self._pending = (-1, -1)  # the swap being applied (compiled path)
        self.swaps = 0
        self.work = 0  # cost of the updates so far: rows scanned × m + 4 × pairs updated
        if self.kern is not None:
            self._rows = np.empty(n, dtype=np.int64)
            self._buf_g = np.empty(m)
            self._buf_l = np.empty(m)
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute every array from scratch (also clears rounding drift)."""
        self.gain[:] = 0.0
        self.loss[:] = 0.0
        self.extra[:] = 0.0
        n = self.C.shape[0]
        if self.kern is not None:
            self._rows[:] = np.arange(n)
            self._jit_update(n, 0.0)
        else:
            everyone = np.arange(n)
            self._nearest(everyone)
            self._contribute(everyone, 1.0)
        self.cost = float(self.w @ self.d1)

    def _jit_update(self, na: int, sign: float) -> None:
        """Compiled path: take out (``sign`` −1) the contributions of ``self._rows[:na]``,
        recompute their nearest two sites and put them back (``sign`` 0: put back only)."""
        k, m = self.kern, self.C.shape[1]
        assert k is not None
        args = (self.C, self.w, self.d1, self.d2, self.k1, self.slot, self.gain, self.loss)
        if sign != 0.0:
            pairs = k.contribute(*args, self.extra, self._rows, na, -1.0, self._buf_g, self._buf_l)
            self.work += na * m + 4 * pairs
            self._reslot()
        k.nearest_rows(self.C, self.open, self._rows, na, self.d1, self.d2, self.k1, self.big)
        pairs = k.contribute(*args, self.extra, self._rows, na, 1.0, self._buf_g, self._buf_l)
        self.work += na * m + 4 * pairs

    def _reslot(self) -> None:
        """Between taking out and putting back: the pending swap's site/slot bookkeeping."""
        f, u = self._pending
        self.open[f] = False
        self.open[u] = True
        k = self.slot[f]
        self.extra[k] = 0.0  # no demand has f nearest any more (clears rounding residue)
        self.slot[f], self.slot[u], self.site[k] = -1, k, u

    def _nearest(self, rows: IntArray) -> None:
        oi = np.flatnonzero(self.open)
        a, ka, b = _nearest_two(self.C[rows], oi)
        self.d1[rows] = a
        self.k1[rows] = oi[ka]
        self.d2[rows] = np.where(np.isinf(b), self.big, b)

    def _contribute(self, rows: IntArray, sign: float) -> None:
        if rows.size == 0:
            return
        C, w, m = self.C, self.w, self.C.shape[1]
        d1, d2, k1 = self.d1, self.d2, self.k1
        ii, uu = np.nonzero(C[rows] < d2[rows, None])
        self.work += rows.size * m + 4 * ii.size
        i = rows[ii]
        c = C[i, uu]
        wi = w[i]
        self.gain += sign * np.bincount(uu, weights=wi * np.maximum(d1[i] - c, 0.0), minlength=m)
        self.loss += sign * np.bincount(
            k1[rows], weights=w[rows] * (d2[rows] - d1[rows]), minlength=m
        )
        np.add.at(self.extra, (self.slot[k1[i]], uu), sign * wi * (d2[i] - np.maximum(c, d1[i])))

    def best_move(self) -> tuple[float, int, int]:
        """Best (profit, out, in) over every free open and every allowed closed site."""
        if self.kern is not None:
            v, k, u = self.kern.best_move(
                self.extra, self.gain, self.loss, self.allowed, self.open, self.fixed, self.site
            )
            if k < 0:
                return 0.0, -1, -1
            return float(v), int(self.site[k]), int(u)
        col = np.where(self.allowed & ~self.open, self.gain, -np.inf)
        row = np.where(self.fixed[self.site], np.inf, self.loss[self.site])
        if not np.isfinite(col).any() or not np.isfinite(row).any():
            return 0.0, -1, -1
        profit = self.extra + col[None, :]
        profit -= row[:, None]
        f_pos, u = np.unravel_index(int(np.argmax(profit)), profit.shape)
        return float(profit[f_pos, u]), int(self.site[f_pos]), int(u)

    def apply(self, f: int, u: int) -> None:
        """Close ``f``, open ``u`` and update the arrays for the affected demands."""
        C, d2 = self.C, self.d2
        if self.kern is not None:
            na = self.kern.affected(C, d2, self.k1, f, u, self._rows)
            self._pending = (f, u)
            self._jit_update(na, -1.0)
            self.cost = float(self.w @ self.d1)
            self.swaps += 1
            return
        aff = np.flatnonzero((self.k1 == f) | (d2 >= C[:, f]) | (C[:, u] < d2))
        self._contribute(aff, -1.0)
        self.open[f] = False
        self.open[u] = True
        k = self.slot[f]
        self.extra[k] = 0.0  # no demand has f nearest any more (clears rounding residue)
        self.slot[f], self.slot[u], self.site[k] = -1, k, u
        self._nearest(aff)
        self._contribute(aff, 1.0)
        self.cost = float(self.w @ self.d1)
        self.swaps += 1

    def descend(self, *, deadline: float | None = None, max_iter: int = 100_000) -> list[int]:
        """Best-improvement swaps to a local optimum; returns the swaps made (out, in, ...)."""
        made: list[int] = []
        for _ in range(max_iter):
            gain, f, u = self.best_move()
            if f < 0 or not (gain > 1e-9 * max(self.cost, 1.0)):
                break
            before = self.cost
            self.apply(f, u)
            if not (self.cost < before):
                # rounding drift in the incremental arrays: undo, rebuild, stop
                self.apply(u, f)
                self.rebuild()
                break
            made += [f, u]
            if deadline is not None and time.perf_counter() > deadline:
                break
        return made


def interchange(
    C: FloatArray,
    w: FloatArray,
    open_mask: BoolArray,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    deadline: float | None = None,
    max_iter: int = 100_000,
) -> tuple[BoolArray, int]:
    """Best-improvement vertex substitution (Teitz-Bart) with the fast interchange arrays of
    :class:`SwapSearch`; returns the locally optimal mask and the number of swaps made."""
    if int(open_mask.sum()) < 1 or not (allowed & ~open_mask).any():
        return open_mask.copy(), 0
    s = SwapSearch(C, w, open_mask, allowed, fixed)
    made = s.descend(deadline=deadline, max_iter=max_iter)
    return s.open.copy(), len(made) // 2


def _kick(s: SwapSearch, rng: np.random.Generator, moves: int) -> list[int]:
    """``moves`` random swaps, each closing a random free open site and opening one of the
    :data:`NEAR` cheapest closed sites of a random demand it serves (a local perturbation:
    the solution changes where a better one is likeliest)."""
    made: list[int] = []
    for _ in range(moves):
        outs = np.flatnonzero(s.open & ~s.fixed)
        if outs.size == 0:
            break
        f = int(rng.choice(outs))
        served = np.flatnonzero(s.k1 == f)
        cand_mask = s.allowed & ~s.open
        if served.size == 0 or not cand_mask.any():
            break
        i = int(rng.choice(served))
        row = np.where(cand_mask, s.C[i], np.inf)
        q = min(NEAR, int(cand_mask.sum()))
        near = np.argpartition(row, q - 1)[:q]
        u = int(rng.choice(near))
        s.apply(f, u)
        made += [f, u]
    return made


def iterated_search(
    s: SwapSearch,
    rng: np.random.Generator,
    kicks: int,
    *,
    deadline: float | None = None,
    stop_below: float = -np.inf,
    work: float = np.inf,
) -> tuple[BoolArray, float, int]:
    """Iterated local search from the local optimum held by ``s``: ``kicks`` times, perturb
    one or two sites (:func:`_kick`), descend, keep the result if it is no worse and undo
    both otherwise.  Stops early once the cost is ≤ ``stop_below`` (e.g. a proven bound) or
    the updates have cost ``work`` (:attr:`SwapSearch.work` units: a budget that lets many
    rounds run where ``p`` is large and swaps are local, few where each swap reassigns a
    large share of the demand).  Returns the best mask, its cost and the kicks
    run."""
    best, best_cost = s.open.copy(), s.cost
    tol = 1e-12 * max(abs(best_cost), 1.0)
    done = 0
    start_work = s.work
    for done in range(1, kicks + 1):
        if (
            best_cost <= stop_below
            or s.work - start_work > work
            or (deadline is not None and time.perf_counter() > deadline)
        ):
            done -= 1
            break
        before = s.cost
        made = _kick(s, rng, int(rng.integers(1, KICK_MAX + 1)))
        # descend first with the kick held (its closed sites stay closed, its opened sites
        # open: else the descent mostly swaps straight back), then freely
        outs, ins = made[0::2], made[1::2]
        al, fx = s.allowed[outs].copy(), s.fixed[ins].copy()
        s.allowed[outs] = False
        s.fixed[ins] = True
        made += s.descend(deadline=deadline)
        s.allowed[outs] = al
        s.fixed[ins] = fx
        made += s.descend(deadline=deadline)
        if s.cost < best_cost - tol:
            best, best_cost = s.open.copy(), s.cost
            continue
        if s.cost <= before * (1.0 + ACCEPT) + tol:
            continue  # a neighbour about as good: walk on from it (the best is kept)
        for t in range(len(made) - 2, -1, -2):  # undo, last swap first
            s.apply(made[t + 1], made[t])
        if s.swaps > REBUILD_EVERY:
            s.swaps = 0
            s.rebuild()
    return best, best_cost, done


def heuristic(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    starts: int = 1,
    kicks: int = 0,
    seed: int = 0,
    deadline: float | None = None,
    initial: BoolArray | None = None,
    search: SwapSearch | None = None,
    stop_below: float = -np.inf,
) -> tuple[BoolArray, float]:
    """Multi-start iterated local search: ``starts`` constructions (the greedy, then
    randomised greedy ones), each followed by fast interchange and ``kicks`` perturbation
    rounds (:func:`iterated_search`); returns the best open mask and its objective.
    ``initial``: a solution to start from instead of the greedy (it is descended first);
    ``search``: a :class:`SwapSearch` already at a local optimum, used as the first start.
    ``stop_below``: stop as soon as a solution costs no more (a proven lower bound)."""
    rng = np.random.default_rng(seed)
    best: BoolArray | None = None
    best_obj = np.inf
    for k in range(max(starts, 1)):
        if k > 0 and (deadline is not None and time.perf_counter() > deadline):
            break
        if k == 0 and search is not None:
            s0 = search.open.copy()
        elif k == 0:
            s0 = initial.copy() if initial is not None else greedy(C, w, p, allowed, fixed)
        else:
            s0 = greedy(C, w, p, allowed, fixed, rng=rng)
        if int(s0.sum()) < 1 or not (allowed & ~s0).any():
            obj = objective_of(C, w, s0)
            if obj < best_obj:
                best, best_obj = s0, obj
            continue
        s = search if k == 0 and search is not None else SwapSearch(C, w, s0, allowed, fixed)
        s.descend(deadline=deadline)
        y, obj, _ = iterated_search(
            s,
            rng,
            kicks,
            deadline=deadline,
            stop_below=stop_below,
            work=max(WORK_PASSES * C.size, WORK_FLOOR),
        )
        obj = objective_of(C, w, y)  # exact, free of incremental rounding
        if obj < best_obj - 1e-12 * max(abs(obj), 1.0):
            best, best_obj = y, obj
        if best_obj <= stop_below:
            break
    assert best is not None
    return best, best_obj
