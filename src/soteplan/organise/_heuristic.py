"""Tabu search for contiguous p-regions (AZP-style; Openshaw & Rao 1995).

Used for instances too large for the exact MILP and as its warm start.

1. **Start.**  Hubs: the fixed hubs, one medoid for every connected component
   without one, then greedy p-median additions (the unit that most reduces the
   person-minutes to the nearest hub).  Areas grow from their hubs over the
   adjacency graph, always adding the unassigned unit (or keep-together group)
   closest in time to the hub of an adjacent area, so every area starts connected.
2. **Tabu search.**  A move takes a boundary unit (group) from its area to an
   adjacent area when the donor stays connected and non-empty; each area's hub
   is re-chosen as its medoid (the member minimising person-minutes).  Moves are
   ranked lexicographically by (population floor/ceiling violation, person-minutes);
   the reverse move is tabu for a few iterations unless it beats the best plan
   found (aspiration).  The search stops after a number of non-improving
   iterations, an iteration cap or the time limit; several seeded restarts
   perturb the starting hubs.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["HeuristicOutcome", "solve_heuristic"]


@dataclass(frozen=True, eq=False)
class HeuristicOutcome:
    """Best plan found: hub position of every unit, its person-minutes and violation."""

    hub_of: npt.NDArray[np.int64]
    objective: float
    violation: float
    iterations: int
    seconds: float


class _State:
    """Current plan over super-nodes (keep-together groups)."""

    def __init__(
        self,
        cost: npt.NDArray[np.float64],
        gpop: npt.NDArray[np.float64],
        units: list[list[int]],
        gnbrs: list[set[int]],
        fixed_of: dict[int, int],
        labels: npt.NDArray[np.int64],
        k: int,
        lo: float,
        hi: float,
    ) -> None:
        self.cost, self.gpop, self.units, self.gnbrs = cost, gpop, units, gnbrs
        self.fixed_of, self.k, self.lo, self.hi = fixed_of, k, lo, hi
        self.labels = labels.copy()
        n = cost.shape[1]
        self.colsum = np.zeros((k, n))
        self.pop = np.zeros(k)
        self.members: list[set[int]] = [set() for _ in range(k)]
        for g, r in enumerate(self.labels):
            self.colsum[r] += cost[g]
            self.pop[r] += gpop[g]
            self.members[r].add(g)

    def _hub_cost(self, r_members: set[int], colsum: npt.NDArray[np.float64]) -> tuple[float, int]:
        fixed = [self.fixed_of[g] for g in r_members if g in self.fixed_of]
        if fixed:
            h = fixed[0]
            return float(colsum[h]), h
        cand = [u for g in r_members for u in self.units[g]]
        h = cand[int(np.argmin(colsum[cand]))]
        return float(colsum[h]), h

    def _viol(self, p: float) -> float:
        return max(0.0, self.lo - p) + max(0.0, p - self.hi)

    def region_score(self, r: int) -> tuple[float, float]:
        c, _ = self._hub_cost(self.members[r], self.colsum[r])
        return self._viol(self.pop[r]), c

    def total(self) -> tuple[float, float]:
        v = c = 0.0
        for r in range(self.k):
            vr, cr = self.region_score(r)
            v += vr
            c += cr
        return v, c

    def connected_without(self, r: int, g: int) -> bool:
        rest = self.members[r] - {g}
        if not rest:
            return False
        start = next(iter(rest))
        seen = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v in self.gnbrs[u]:
                if v in rest and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(rest)

    def move_delta(self, g: int, b: int) -> tuple[float, float]:
        a = int(self.labels[g])
        va, ca = self.region_score(a)
        vb, cb = self.region_score(b)
        ma = self.members[a] - {g}
        mb = self.members[b] | {g}
        ca2, _ = self._hub_cost(ma, self.colsum[a] - self.cost[g])
        cb2, _ = self._hub_cost(mb, self.colsum[b] + self.cost[g])
        va2 = self._viol(self.pop[a] - self.gpop[g])
        vb2 = self._viol(self.pop[b] + self.gpop[g])
        return (va2 + vb2 - va - vb, ca2 + cb2 - ca - cb)

    def apply(self, g: int, b: int) -> None:
        a = int(self.labels[g])
        self.colsum[a] -= self.cost[g]
        self.colsum[b] += self.cost[g]
        self.pop[a] -= self.gpop[g]
        self.pop[b] += self.gpop[g]
        self.members[a].discard(g)
        self.members[b].add(g)
        self.labels[g] = b

    def hubs(self) -> list[int]:
        return [self._hub_cost(self.members[r], self.colsum[r])[1] for r in range(self.k)]


def _initial(
    cost: npt.NDArray[np.float64],
    minutes: npt.NDArray[np.float64],
    group_of: npt.NDArray[np.int64],
    gnbrs: list[set[int]],
    comps: list[list[int]],
    fixed: Sequence[int],
    k: int,
    rng: np.random.Generator,
    perturb: int,
) -> npt.NDArray[np.int64] | None:
    n = cost.shape[1]
    hubs: list[int] = list(fixed)
    taken = {int(group_of[h]) for h in hubs}
    for comp in comps:  # one hub per component (group ids)
        comp_units = [u for u in range(n) if int(group_of[u]) in set(comp)]
        if not any(int(group_of[h]) in set(comp) for h in hubs):
            sub = cost[np.array(comp)][:, comp_units].sum(axis=0)
            hubs.append(comp_units[int(np.argmin(sub))])
            taken.add(int(group_of[hubs[-1]]))
    if len(hubs) > k:
        return None
    if perturb >= 2:  # random start: remaining hubs drawn at random
        free = [h for h in range(n) if int(group_of[h]) not in taken]
        rng.shuffle(free)
        for h in free:
            if len(hubs) == k:
                break
            if int(group_of[h]) not in taken:
                hubs.append(int(h))
                taken.add(int(group_of[h]))
    while len(hubs) < k:
        best = np.min(cost[:, hubs], axis=1)  # per group
        gain = np.maximum(best[:, None] - cost, 0.0).sum(axis=0)
        for h in range(n):
            if int(group_of[h]) in taken:
                gain[h] = -1.0
        if perturb:
            gain = gain * rng.uniform(0.5, 1.5, size=n)
        h = int(np.argmax(gain))
        if gain[h] < 0:
            return None
        hubs.append(h)
        taken.add(int(group_of[h]))
    labels = np.full(cost.shape[0], -1, dtype=np.int64)
    heap: list[tuple[float, int, int]] = []
    for r, h in enumerate(hubs):
        g = int(group_of[h])
        labels[g] = r
        for v in gnbrs[g]:
            heapq.heappush(heap, (float(minutes[v, h]), v, r))
    while heap:
        _, g, r = heapq.heappop(heap)
        if labels[g] >= 0:
            continue
        labels[g] = r
        for v in gnbrs[g]:
            if labels[v] < 0:
                heapq.heappush(heap, (float(minutes[v, hubs[r]]), v, r))
    if np.any(labels < 0):
        return None
    return labels


def solve_heuristic(
    pop: npt.NDArray[np.float64],
    minutes: npt.NDArray[np.floating],
    neighbours: Sequence[set[int]],
    comps: Sequence[Sequence[int]],
    k: int,
    min_population: float,
    max_population: float,
    *,
    groups: Sequence[Sequence[int]] | None = None,
    fixed_hubs: Sequence[int] = (),
    time_limit: float | None = 30.0,
    max_iter: int | None = None,
    restarts: int | None = None,
    seed: int = 0,
) -> HeuristicOutcome:
    """Tabu search for ``k`` contiguous areas minimising person-minutes to the hub.

    Parameters
    ----------
    pop
        Population of every unit (persons).
    minutes
        ``n × n`` travel times (minutes).
    neighbours
        Adjacent units of every unit.
    comps
        Connected components of the adjacency graph (lists of units).
    k
        Number of areas.
    min_population, max_population
        Floor and ceiling per area (persons).
    groups
        Keep-together groups (each a list of units); units not listed form
        singleton groups.
    fixed_hubs
        Units that must be hubs.
    time_limit
        Seconds for all restarts together (``None``: no limit).
    max_iter
        Iteration cap per restart (default ``50 × groups``).
    restarts
        Number of planned starts (the first unperturbed greedy, then perturbed
        greedy; default ``max(4, min(12, 1000 // n))``); while no plan meets the
        population bounds, random starts follow (up to ``20 × restarts``).
    seed
        Seed of the perturbations.

    Returns
    -------
    HeuristicOutcome
        The best plan; ``violation > 0`` means no plan meeting the population
        bounds was found.
    """
    t0 = time.perf_counter()
    n = len(pop)
    tmin = np.asarray(minutes, dtype=np.float64)
    w = pop[:, None] * tmin
    group_of = np.arange(n, dtype=np.int64)
    glist: list[list[int]] = []
    if groups:
        assigned = np.full(n, -1, dtype=np.int64)
        for grp in groups:
            gid = len(glist)
            glist.append(sorted(grp))
            assigned[list(grp)] = gid
        for u in range(n):
            if assigned[u] < 0:
                assigned[u] = len(glist)
                glist.append([u])
        group_of = assigned
    else:
        glist = [[u] for u in range(n)]
    ng = len(glist)
    cost = np.zeros((ng, n))
    gpop = np.zeros(ng)
    gmin = np.zeros((ng, n))
    for g, us in enumerate(glist):
        cost[g] = w[us].sum(axis=0)
        gpop[g] = pop[us].sum()
        gmin[g] = tmin[us].min(axis=0)
    gnbrs: list[set[int]] = [set() for _ in range(ng)]
    for u in range(n):
        for v in neighbours[u]:
            gu, gv = int(group_of[u]), int(group_of[v])
            if gu != gv:
                gnbrs[gu].add(gv)
    gcomps = [sorted({int(group_of[u]) for u in comp}) for comp in comps]
    fixed_of = {int(group_of[h]): int(h) for h in fixed_hubs}
    if restarts is None:
        restarts = max(4, min(12, 1000 // max(n, 1)))
    rng = np.random.default_rng(seed)
    cap = max_iter if max_iter is not None else 50 * ng
    best_labels: npt.NDArray[np.int64] | None = None
    best_score = (np.inf, np.inf)
    best_hubs: list[int] = []
    iters = 0
    attempt = 0
    while True:
        if time_limit is not None and attempt > 0 and time.perf_counter() - t0 > time_limit:
            break
        # after the planned restarts keep trying random starts while no plan meets the
        # population bounds (up to 20 × restarts starts or the time limit)
        if attempt >= max(restarts, 1) and (best_score[0] == 0 or attempt >= 20 * restarts):
            break
        mode = 0 if attempt == 0 else (1 if attempt < max(restarts, 1) else 2)
        attempt += 1
        labels = _initial(cost, gmin, group_of, gnbrs, gcomps, list(fixed_hubs), k, rng, mode)
        if labels is None:
            continue
        st = _State(cost, gpop, glist, gnbrs, fixed_of, labels, k, min_population, max_population)
        cur = st.total()
        local_best = cur
        local_labels = st.labels.copy()
        tabu: dict[tuple[int, int], int] = {}
        stall = 0
        for it in range(cap):
            iters += 1
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                break
            cand: tuple[tuple[float, float], int, int] | None = None
            for g in range(ng):
                a = int(st.labels[g])
                if g in fixed_of:
                    continue
                targets = {int(st.labels[v]) for v in gnbrs[g]} - {a}
                if not targets or not st.connected_without(a, g):
                    continue
                for b in targets:
                    dv, dc = st.move_delta(g, b)
                    new = (cur[0] + dv, cur[1] + dc)
                    is_tabu = tabu.get((g, b), -1) >= it
                    if is_tabu and not _better(new, local_best):
                        continue
                    key = (round(new[0], 6), new[1])
                    if cand is None or key < cand[0]:
                        cand = (key, g, b)
            if cand is None:
                break
            _, g, b = cand
            a = int(st.labels[g])
            st.apply(g, b)
            cur = st.total()
            tabu[(g, a)] = it + int(rng.integers(3, 3 + max(3, ng // 4)))
            if _better(cur, local_best):
                local_best = cur
                local_labels = st.labels.copy()
                stall = 0
            else:
                stall += 1
                if stall > max(2 * ng, 20):
                    break
        if _better(local_best, best_score):
            best_score = local_best
            best_labels = local_labels
            st2 = _State(
                cost, gpop, glist, gnbrs, fixed_of, local_labels, k, min_population, max_population
            )
            best_hubs = st2.hubs()
    if best_labels is None:
        return HeuristicOutcome(
            np.full(n, -1, dtype=np.int64), np.inf, np.inf, iters, time.perf_counter() - t0
        )
    hub_of = np.array([best_hubs[int(best_labels[group_of[u]])] for u in range(n)], dtype=np.int64)
    objective = float(w[np.arange(n), hub_of].sum())
    return HeuristicOutcome(
        hub_of, objective, float(best_score[0]), iters, time.perf_counter() - t0
    )


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    if a[0] < b[0] - 1e-9:
        return True
    return abs(a[0] - b[0]) <= 1e-9 and a[1] < b[1] - 1e-9
