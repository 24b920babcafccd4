# ruff: noqa: N803, N806  (matrix names C, W, S, D follow the formulas)
"""Compiled (numba) kernels of :class:`soteplan.locate._swap.SwapSearch`.

Imported lazily by :func:`soteplan.locate._swap.jit_kernels` the first time a swap search
is built, never at package import (numba's import alone takes about 0.3 s).  Each kernel
does what the numpy methods of ``SwapSearch`` do, in the same order of floating-point
operations where the numpy code fixes one (``bincount`` and ``np.add.at`` add in the
order of the rows, so do these loops), so that both paths make the same moves: on
integer-valued costs every sum is exact and the moves are identical (tested); on other
costs they may differ only where two swaps tie to the last bit.

``cache=True``: the first process compiles (a few seconds, see ``docs/DEVELOPING.md``)
and writes the machine code to ``__pycache__``; later processes load it from there.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def nearest_rows(C, open_mask, rows, na, d1, d2, k1, big):  # type: ignore[no-untyped-def]
    """Nearest and second-nearest open cost of ``rows[:na]``; ``k1`` the nearest site (the
    lowest index among ties), ``d2`` = ``big`` where only one site is open."""
    m = C.shape[1]
    oi = np.empty(m, dtype=np.int64)
    q = 0
    for j in range(m):
        if open_mask[j]:
            oi[q] = j
            q += 1
    for t in range(na):
        i = rows[t]
        a = np.inf
        b = np.inf
        ka = -1
        for s in range(q):
            j = oi[s]
            c = C[i, j]
            if c < a:
                b = a
                a = c
                ka = j
            elif c < b:
                b = c
        d1[i] = a
        k1[i] = ka
        d2[i] = big if np.isinf(b) else b


@njit(cache=True)
def contribute(C, w, d1, d2, k1, slot, gain, loss, extra, rows, na, sign, buf_g, buf_l):  # type: ignore[no-untyped-def]
    """Add (``sign`` = 1) or take out (−1) the contributions of ``rows[:na]`` to ``gain``,
    ``loss`` and ``extra``; returns the number of (row, site) pairs touched."""
    m = C.shape[1]
    buf_g[:] = 0.0
    buf_l[:] = 0.0
    pairs = 0
    for t in range(na):
        i = rows[t]
        a = d1[i]
        b = d2[i]
        wi = w[i]
        buf_l[k1[i]] += wi * (b - a)
        s = slot[k1[i]]
        sw = sign * wi
        for u in range(m):
            c = C[i, u]
            if c < b:
                pairs += 1
                buf_g[u] += wi * max(a - c, 0.0)
                extra[s, u] += sw * (b - max(c, a))
    for u in range(m):
        gain[u] += sign * buf_g[u]
        loss[u] += sign * buf_l[u]
    return pairs


@njit(cache=True)
def affected(C, d2, k1, f, u, rows):  # type: ignore[no-untyped-def]
    """Rows whose two nearest open sites a swap ``f`` out, ``u`` in can change (ascending,
    into ``rows``); returns their number."""
    na = 0
    for i in range(C.shape[0]):
        if k1[i] == f or d2[i] >= C[i, f] or C[i, u] < d2[i]:
            rows[na] = i
            na += 1
    return na


@njit(cache=True)
def best_move(extra, gain, loss, allowed, open_mask, fixed, site):  # type: ignore[no-untyped-def]
    """Best ``(profit, slot, in)``; ``slot`` = −1 when no free open or no closed allowed
    site exists.  Ties go to the first in row-major order (as ``np.argmax``)."""
    m = gain.shape[0]
    col = np.empty(m)
    anycol = False
    for u in range(m):
        if allowed[u] and not open_mask[u]:
            col[u] = gain[u]
            anycol = True
        else:
            col[u] = -np.inf
    anyrow = False
    for k in range(site.shape[0]):
        if not fixed[site[k]]:
            anyrow = True
    if not anycol or not anyrow:
        return 0.0, -1, -1
    best = -np.inf
    bk = 0
    bu = 0
    for k in range(site.shape[0]):
        r = np.inf if fixed[site[k]] else loss[site[k]]
        for u in range(m):
            v = (extra[k, u] + col[u]) - r
            if v > best:
                best = v
                bk = k
                bu = u
    return best, bk, bu


@njit(cache=True)
def smallest_per_row(A, rows, size, idx, vals, nxt):  # type: ignore[no-untyped-def]
    """For each ``rows[t]``: the columns of its ``size`` smallest entries into ``idx[t]``
    (ascending by value; ties to the lower column), their values into ``vals[t]`` and the
    next smallest value into ``nxt[t]`` (``inf`` when the row has no more).  One pass per
    row with a sorted buffer of ``size + 1``: for the small ``size`` of the Lagrangian's
    pair list much cheaper than ``np.argpartition`` over the whole matrix."""
    m = A.shape[1]
    keep = size + 1
    bv = np.empty(keep)
    bi = np.empty(keep, dtype=np.int64)
    for t in range(rows.shape[0]):
        i = rows[t]
        q = 0
        for j in range(m):
            v = A[i, j]
            if q == keep and not (v < bv[q - 1]):
                continue
            # insert after the entries <= v (stable: ties keep column order)
            pos = q if q < keep else keep - 1
            while pos > 0 and bv[pos - 1] > v:
                if pos < keep:
                    bv[pos] = bv[pos - 1]
                    bi[pos] = bi[pos - 1]
                pos -= 1
            bv[pos] = v
            bi[pos] = j
            if q < keep:
                q += 1
        for s in range(size):
            idx[t, s] = bi[s]
            vals[t, s] = bv[s]
        nxt[t] = bv[size] if q == keep else np.inf


@njit(cache=True)
def greedy_fill(C, w, p, cand, open_mask, d1):  # type: ignore[no-untyped-def]
    """Greedy addition from ``open_mask`` (``d1`` its nearest costs) until ``p`` are open:
    each step opens the candidate (``cand`` and closed) of largest saving, the first among
    ties, as :func:`soteplan.locate._swap.greedy` without ``rng`` does."""
    n, m = C.shape
    gain = np.zeros(m)
    for i in range(n):
        a = d1[i]
        wi = w[i]
        for u in range(m):
            c = C[i, u]
            if c < a:
                gain[u] += wi * (a - c)
    delta = np.empty(m)
    count = 0
    for u in range(m):
        if open_mask[u]:
            count += 1
    while count < p:
        best = -np.inf
        j = -1
        for u in range(m):
            if cand[u] and not open_mask[u] and (j < 0 or gain[u] > best):
                best = gain[u]
                j = u
        if j < 0:
            break
        open_mask[j] = True
        count += 1
        delta[:] = 0.0
        for i in range(n):
            cj = C[i, j]
            a = d1[i]
            if cj < a:
                wi = w[i]
                for u in range(m):
                    c = C[i, u]
                    if c < a:
                        delta[u] += wi * ((a - c) - max(cj - c, 0.0))
                d1[i] = cj
        for u in range(m):
            gain[u] -= delta[u]


@njit(cache=True)
def compact_rows(V, J, newpos, ms_new, V2, J2):  # type: ignore[no-untyped-def]
    """Each row of ``V``/``J`` (sorted) with the sites whose ``newpos`` is -1 left out and
    the others renumbered: the sorted rows of a subset of the sites without sorting."""
    n, ms = V.shape
    for i in range(n):
        q = 0
        for r in range(ms):
            t = newpos[J[i, r]]
            if t >= 0:
                V2[i, q] = V[i, r]
                J2[i, q] = t
                q += 1


SELECT_MAX_K = 64  # up to this many picks, insertion into a sorted list beats a sort


@njit(cache=True)
def _smallest_k(x, k, out):  # type: ignore[no-untyped-def]
    """Positions of the ``k`` smallest entries of ``x`` in ascending order, equal values in
    index order: the first ``k`` of a stable argsort, by insertion (``k`` small)."""
    cnt = 0
    for t in range(x.shape[0]):
        v = x[t]
        if cnt == k and not (v < x[out[k - 1]]):
            continue
        q = cnt if cnt < k else k - 1
        while q > 0 and v < x[out[q - 1]]:
            out[q] = out[q - 1]
            q -= 1
        out[q] = t
        if cnt < k:
            cnt += 1


@njit(cache=True)
def subgradient(  # type: ignore[no-untyped-def]
    V,
    J,
    WT,
    active,
    lam,
    k,
    free,
    fixed_sub,
    n_iter,
    stall_limit,
    tol,
    state,
    best_lam,
    best_rho,
    best_y,
    rho,
    y,
    g,
):
    """``n_iter`` subgradient steps of :func:`soteplan.locate._lagrange.lagrangian_bound`
    on the rows' pairs cheaper than their multiplier.  ``V[i]`` holds row ``i``'s weighted
    costs in ascending order and ``J[i]`` their sites, so a row stops at its first pair not
    below ``λ_i``; only ``active`` sites take part (the sorted rows are built once for a
    whole branch and bound, each node switching sites off).  ``WT`` = the weighted costs
    site by site (``WT[j, i] = V`` of pair ``(i, j)``): when few sites are open, the
    subgradient counts each row's open pairs below ``λ_i`` down those columns, fewer
    steps than walking the rows again.

    ``state`` = [theta, stall, best bound, best primal objective, iterations done, found]
    carries the loop between calls (the caller checks its deadline in between); ``lam``,
    ``best_lam``, ``best_rho`` and ``best_y`` (the best primal site set, ``found`` = 1 when
    one beat the upper bound given) are updated in place.  Returns 1 when a stopping rule
    of the numpy loop fired (bound within ``tol`` of the primal, step size below 10⁻³, zero
    subgradient), else 0."""
    n, ms = V.shape
    nf = free.shape[0]
    rf = np.empty(nf)
    pick = np.empty(max(k, 0), dtype=np.int64)
    for _ in range(n_iter):
        state[4] += 1.0
        it = int(state[4])
        rho[:] = 0.0
        visited = 0
        for i in range(n):
            li = lam[i]
            r = 0
            while r < ms:
                v = V[i, r]
                if not (v < li):
                    break
                j = J[i, r]
                if active[j]:
                    rho[j] += v - li
                r += 1
            visited += r
        y[:] = fixed_sub
        val = 0.0
        for i in range(n):
            val += lam[i]
        for j in range(ms):
            if fixed_sub[j]:
                val += rho[j]
        if k > 0:
            if k >= nf:
                for t in range(nf):
                    y[free[t]] = True
                    val += rho[free[t]]
            else:
                for t in range(nf):
                    rf[t] = rho[free[t]]
                if k <= SELECT_MAX_K:
                    _smallest_k(rf, k, pick)
                else:
                    pick[:] = np.argsort(rf, kind="mergesort")[:k]
                for t in range(k):
                    y[free[pick[t]]] = True
                    val += rf[pick[t]]
        if val > state[2] + 1e-12 * max(abs(val), 1.0):
            state[2] = val
            best_lam[:] = lam
            best_rho[:] = rho
            state[1] = 0.0
        else:
            state[1] += 1.0
            if state[1] >= stall_limit:
                state[0] /= 2.0
                state[1] = 0.0
        if it % 10 == 1:
            # the primal objective: each row's first open site in its sorted row
            obj = 0.0
            for i in range(n):
                for r in range(ms):
                    if y[J[i, r]]:
                        obj += V[i, r]
                        break
            if obj < state[3]:
                state[3] = obj
                best_y[:] = y
                state[5] = 1.0
        if state[3] - state[2] <= tol * max(abs(state[3]), 1.0) or state[0] < 1e-3:
            return 1
        norm = 0.0
        n_open = 0
        for j in range(ms):
            if y[j]:
                n_open += 1
        if n_open * n < visited:
            # few sites open: count each row's open pairs below λ_i down the open columns
            for i in range(n):
                g[i] = 1.0
            for j in range(ms):
                if y[j]:
                    for i in range(n):
                        if WT[j, i] < lam[i]:
                            g[i] -= 1.0
            for i in range(n):
                norm += g[i] * g[i]
        else:
            for i in range(n):
                li = lam[i]
                c = 0
                for r in range(ms):
                    if not (V[i, r] < li):
                        break
                    if y[J[i, r]]:
                        c += 1
                g[i] = 1.0 - c
                norm += g[i] * g[i]
        if norm == 0.0:
            return 1
        step = state[0] * (state[3] - val) / norm
        for i in range(n):
            v = lam[i] + step * g[i]
            lam[i] = v if v > 0.0 else 0.0
    return 0


@njit(cache=True)
def enumerate_subsets(CfT, w, base, k, upper, best_idx):  # type: ignore[no-untyped-def]
    """Best choice of ``k`` columns of ``CfT`` (free sites × rows, costs) added to the rows'
    ``base`` costs: a depth-first walk over the combinations in index order that keeps each
    level's row minima (one pass over the rows per tree node, not ``k``) and cuts a subtree
    when even opening every later site cannot beat the best found (or ``upper``).

    Writes the best combination to ``best_idx`` (positions in ``CfT``) and returns its
    objective ``Σ w_i min(base_i, min_t CfT[idx_t, i])``; when none is below ``upper``,
    returns ``upper`` with ``best_idx[0] = -1``."""
    nf, r = CfT.shape
    best_idx[0] = -1
    # suffix minima: S[a, i] = min(CfT[a:, i]), S[nf] = inf
    S = np.empty((nf + 1, r))
    S[nf, :] = np.inf
    for a in range(nf - 1, -1, -1):
        for i in range(r):
            c = CfT[a, i]
            s = S[a + 1, i]
            S[a, i] = c if c < s else s
    D = np.empty((k + 1, r))
    D[0, :] = base
    idx = np.empty(k, dtype=np.int64)
    best = upper
    t = 0  # depth: idx[:t] chosen
    idx[0] = -1
    while t >= 0:
        idx[t] += 1
        a = idx[t]
        if a > nf - (k - t):  # not enough sites left for the deeper levels
            t -= 1
            continue
        if t == k - 1:
            # last level: the objective of each remaining site directly
            for b in range(a, nf):
                v = 0.0
                for i in range(r):
                    c = CfT[b, i]
                    d = D[t, i]
                    v += w[i] * (c if c < d else d)
                if v < best:
                    best = v
                    for q in range(t):
                        best_idx[q] = idx[q]
                    best_idx[t] = b
            t -= 1
            continue
        # next level's minima and the bound of opening every later site too
        lb = 0.0
        for i in range(r):
            c = CfT[a, i]
            d = D[t, i]
            m = c if c < d else d
            D[t + 1, i] = m
            s = S[a + 1, i]
            lb += w[i] * (s if s < m else m)
        if lb >= best:
            continue  # no completion of idx[:t + 1] beats the best
        t += 1
        idx[t] = a
    return best


@njit(cache=True)
def knapsacks(P, wi, Qi, sites, take):  # type: ignore[no-untyped-def]
    """The 0-1 knapsack of every site in ``sites`` (the capacitated Lagrangian,
    :func:`soteplan.locate._capacitated_lag._evaluate`): items ``i`` with ``P[i, j] > 0``,
    integer weights ``wi``, capacity ``Qi[j]``.  Returns the best profit per site (``-inf``
    where not computed) and marks the chosen items in ``take[i, j]`` (zeroed here).  Items
    in row order, each one taken where it raises the table strictly, as the numpy code."""
    n, m = P.shape
    best = np.full(m, -np.inf)
    items = np.empty(n, dtype=np.int64)
    qmax = 0
    for s in range(sites.shape[0]):
        qmax = max(qmax, Qi[sites[s]])
    keep = np.empty((n, qmax + 1), dtype=np.bool_)  # item k raised the table at q
    for s in range(sites.shape[0]):
        j = sites[s]
        Q = Qi[j]
        for i in range(n):
            take[i, j] = False
        if Q < 0:
            continue
        base = 0.0
        cnt = 0
        for i in range(n):
            if P[i, j] > 0.0:
                if wi[i] == 0:
                    base += P[i, j]
                    take[i, j] = True
                elif wi[i] <= Q:
                    items[cnt] = i
                    cnt += 1
        F = np.zeros(Q + 1)
        for k in range(cnt):
            i = items[k]
            wk = wi[i]
            pk = P[i, j]
            for q in range(wk):
                keep[k, q] = False
            for q in range(Q, wk - 1, -1):
                c = F[q - wk] + pk
                if c > F[q]:
                    F[q] = c
                    keep[k, q] = True
                else:
                    keep[k, q] = False
        q = Q
        for k in range(cnt - 1, -1, -1):
            if keep[k, q]:
                take[items[k], j] = True
                q -= wi[items[k]]
        best[j] = F[Q] + base
    return best
