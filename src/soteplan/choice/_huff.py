"""Huff / multinomial-logit choice probabilities: the numeric kernel.

The probability that residents of origin *i* choose station *j* is

.. math::

    P_{ij} = \\frac{B_j A_j f(t_{ij})}{\\sum_k B_k A_k f(t_{ik})},
    \\qquad \\log A_j = \\sum_a \\gamma_a g_a(x_{ja}),

with power decay :math:`f(t) = t^{-\\beta}` (Huff 1963, 1964) or exponential
decay :math:`f(t) = e^{-\\beta t}` (the conditional-logit form of McFadden
1974); :math:`g_a` is ``log`` for a positive attribute (opening days, size:
the MCI form of Nakanishi & Cooper 1974) and the identity for a 0/1 attribute
(outsourced / private).  :math:`B_j` are balancing factors (1 without a
capacity limit).  Unreachable pairs (``inf`` minutes) have probability 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import ParameterError

__all__ = [
    "DECAYS",
    "ChoiceParams",
    "attraction_terms",
    "decay_feature",
    "list_sizes",
    "shares",
]

FArray = npt.NDArray[np.float64]
#: Distance-decay forms: ``power`` (t^-β) and ``exponential`` (e^-βt).
DECAYS = ("power", "exponential")
#: Rows per block: a 4 MB float32 working matrix for 1 000 stations.
CHUNK_ROWS = 1024


@dataclass(frozen=True)
class ChoiceParams:
    """Parameters of the choice model.

    Attributes
    ----------
    decay
        ``"power"`` or ``"exponential"``.
    beta
        Distance-decay parameter, > 0: per log-minute (power) or per minute
        (exponential).
    attraction
        Attribute name → exponent γ (a column of the station attributes).
    min_minutes
        Floor of travel time in the power decay, minutes (t = 0 would give
        an infinite weight).
    sources
        Where each value comes from (name → citation or ``"assumption"``);
        carried into ``meta``.
    """

    decay: str = "exponential"
    beta: float = 0.25
    attraction: Mapping[str, float] = field(default_factory=dict)
    min_minutes: float = 1.0
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.decay not in DECAYS:
            raise ParameterError(f"decay must be one of {DECAYS}, got {self.decay!r}")
        if not (np.isfinite(self.beta) and self.beta >= 0):
            raise ParameterError(f"beta must be a finite number >= 0, got {self.beta!r}")
        if not (np.isfinite(self.min_minutes) and self.min_minutes > 0):
            raise ParameterError(f"min_minutes must be > 0, got {self.min_minutes!r}")
        for k, v in self.attraction.items():
            if not np.isfinite(v):
                raise ParameterError(f"attraction exponent of {k!r} must be finite, got {v!r}")

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for ``meta``."""
        return {
            "decay": self.decay,
            "beta": float(self.beta),
            "attraction": {k: float(v) for k, v in self.attraction.items()},
            "min_minutes": float(self.min_minutes),
            "sources": dict(self.sources),
        }


def _is_dummy(col: pd.Series) -> bool:
    return col.dtype == bool or str(col.dtype) == "boolean"


def attraction_terms(attributes: pd.DataFrame, names: list[str]) -> tuple[FArray, list[str]]:
    """Feature matrix ``(stations, len(names))`` of the attraction part of utility.

    A boolean column enters as 0/1, any other column as its natural log
    (values must be > 0).

    Returns
    -------
    (features, kinds)
        ``kinds[k]`` is ``"dummy"`` or ``"log"``.

    Raises
    ------
    ParameterError
        On an unknown attribute or a non-positive value of a log attribute.
    """
    feats = np.zeros((len(attributes), len(names)))
    kinds: list[str] = []
    for k, name in enumerate(names):
        if name not in attributes.columns:
            raise ParameterError(
                f"unknown station attribute {name!r}; attributes: {', '.join(attributes.columns)}"
            )
        col = attributes[name]
        if _is_dummy(col):
            feats[:, k] = col.astype(float).to_numpy()
            kinds.append("dummy")
            continue
        v = pd.to_numeric(col, errors="coerce").to_numpy(float)
        bad = [str(i) for i, x in zip(attributes.index, v, strict=True) if not (x > 0)]
        if bad:
            raise ParameterError(
                f"attribute {name!r} must be > 0 (it enters as a logarithm); "
                f"bad at: {', '.join(bad[:20])}"
            )
        feats[:, k] = np.log(v)
        kinds.append("log")
    return feats, kinds


def log_attraction(attributes: pd.DataFrame, params: ChoiceParams) -> FArray:
    """``log A_j`` of every station (0 with no attraction terms)."""
    names = list(params.attraction)
    if not names:
        return np.zeros(len(attributes))
    feats, _ = attraction_terms(attributes, names)
    return feats @ np.array([params.attraction[n] for n in names], dtype=float)


def decay_feature(minutes: npt.ArrayLike, params: ChoiceParams) -> npt.NDArray[np.float32]:
    """The travel-time feature whose coefficient is ``-beta``: ``log t`` or ``t``."""
    t = np.asarray(minutes, dtype=np.float32)
    if params.decay == "power":
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(t, np.float32(params.min_minutes)))
    return t


def _decay_block(
    t: npt.NDArray[np.float32], params: ChoiceParams, out: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``f(t) / f(t_min)`` of one block into ``out``: decay relative to each row's nearest.

    The shift by the row's shortest time cancels in the normalisation and keeps
    ``exp`` from underflowing for remote origins; ``inf`` minutes give 0.
    """
    if params.decay == "power":
        np.maximum(t, np.float32(params.min_minutes), out=out)
        np.log(out, out=out)
        f = out
    else:
        f = t
    fmin = f.min(axis=1)
    fmin[~np.isfinite(fmin)] = 0.0
    np.subtract(f, fmin[:, None], out=out)
    out *= np.float32(-params.beta)
    np.exp(out, out=out)
    return out


def _attraction_weights(
    log_attraction: npt.ArrayLike, balancing: npt.ArrayLike | None, n: int
) -> npt.NDArray[np.float32]:
    """``B_j A_j`` scaled to a maximum of 1 (float32)."""
    la = np.asarray(log_attraction, dtype=np.float64)
    if la.shape != (n,):
        raise ParameterError(f"log_attraction must have one value per station ({n})")
    if balancing is not None:
        b = np.asarray(balancing, dtype=np.float64)
        if b.shape != (n,) or (b < 0).any():
            raise ParameterError(f"balancing must be {n} values >= 0")
        with np.errstate(divide="ignore"):
            la = la + np.log(b)
    top = la[np.isfinite(la)].max() if np.isfinite(la).any() else 0.0
    return np.exp(la - top).astype(np.float32)


def shares(
    minutes: npt.ArrayLike,
    log_attraction: npt.ArrayLike,
    params: ChoiceParams,
    *,
    balancing: npt.ArrayLike | None = None,
) -> FArray:
    """Choice probabilities ``(origins, stations)``; every reachable row sums to 1.

    Parameters
    ----------
    minutes
        Travel time, minutes (``inf`` = unreachable).
    log_attraction
        ``log A_j`` per station.
    params
        Decay form and parameter.
    balancing
        Balancing factors ``B_j`` (> 0, default 1).

    Returns
    -------
    numpy.ndarray
        Float64 probabilities; a row with no reachable station is all 0.
    """
    t = np.asarray(minutes, dtype=np.float32)
    a = _attraction_weights(log_attraction, balancing, t.shape[1])
    out = np.empty(t.shape, dtype=np.float64)
    buf = np.empty((min(CHUNK_ROWS, t.shape[0]), t.shape[1]), dtype=np.float32)
    for lo in range(0, t.shape[0], CHUNK_ROWS):
        tb = t[lo : lo + CHUNK_ROWS]
        e = _decay_block(tb, params, buf[: len(tb)])
        w = e.astype(np.float64) * a
        s = w.sum(axis=1, keepdims=True)
        out[lo : lo + CHUNK_ROWS] = np.divide(w, s, out=np.zeros_like(w), where=s > 0)
    return out


def list_sizes(
    minutes: npt.ArrayLike,
    log_attraction: npt.ArrayLike,
    params: ChoiceParams,
    population: npt.ArrayLike,
    *,
    balancing: npt.ArrayLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FArray:
    """Expected list sizes ``(bands, stations)`` without keeping the share matrix.

    ``population`` is ``(origins,)`` or ``(bands, origins)`` persons; the
    result is ``Σ_i pop_i P_ij`` block by block (the normalisation is folded
    into the population weights, so each block costs one ``exp`` and one
    matrix product).
    """
    t = np.asarray(minutes, dtype=np.float32)
    pop = np.atleast_2d(np.asarray(population, dtype=np.float64))
    if pop.shape[1] != t.shape[0]:
        raise ParameterError(f"population must have one value per origin ({t.shape[0]})")
    a = _attraction_weights(log_attraction, balancing, t.shape[1])
    out = np.zeros((pop.shape[0], t.shape[1]), dtype=np.float64)
    n = t.shape[0]
    buf = np.empty((min(CHUNK_ROWS, n), t.shape[1]), dtype=np.float32)
    for lo in range(0, n, CHUNK_ROWS):
        tb = t[lo : lo + CHUNK_ROWS]
        e = _decay_block(tb, params, buf[: len(tb)])
        # einsum, not BLAS: these skinny products are memory-bound and OpenBLAS threads
        # only contend on a shared machine (see docs/benchmarks.md)
        s = np.einsum("ij,j->i", e, a)  # row sums of B_j A_j f(t_ij)
        p = pop[:, lo : lo + CHUNK_ROWS]
        scale = np.divide(p, s, out=np.zeros_like(p), where=s > 0).astype(np.float32)
        out += np.einsum("ij,bi->bj", e, scale)  # (bands, stations)
        if progress is not None:
            progress(min(lo + CHUNK_ROWS, n), n)
    return out * a
