"""Calibration: decay and attractiveness exponents from observed choices or list sizes.

* :func:`calibrate_ml` — maximum likelihood of the multinomial logit on
  observed origin × station counts (Newton–Raphson; the log-likelihood is
  concave), standard errors from the inverse observed information,
  McFadden's pseudo-R².
* :func:`calibrate_mci` — the MCI log-centring transformation (Nakanishi &
  Cooper 1974; the ``mci.fit`` of R's ``MCI`` package): OLS of
  ``log(p_ij / p̃_i)`` on the centred logs of the attributes and travel time,
  with OLS standard errors and R².
* :func:`fit_attractiveness` — station attractiveness scaled until the
  predicted list sizes match observed totals (the iterative fitting of
  ``huff.fit`` in ``MCI``), when only totals are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.choice._huff import ChoiceParams, attraction_terms, decay_feature, shares
from soteplan.choice._model import ChoiceModel
from soteplan.errors import InfeasibleError, ParameterError

__all__ = ["CalibrationResult", "calibrate_mci", "calibrate_ml", "fit_attractiveness"]

FArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Fitted parameters and how well they fit.

    Attributes
    ----------
    params
        The fitted :class:`ChoiceParams`.
    estimates
        ``parameter, estimate, std_error, z`` (``beta`` is the decay
        parameter, other rows the attraction exponents).
    fit
        Fit measures (log-likelihood and McFadden R² for ML; R² and RMSE for
        MCI and totals; ``n_obs``).
    model
        The model with the fitted parameters (and fitted attractiveness).
    meta
        Method, citation, data used.
    """

    params: ChoiceParams
    estimates: pd.DataFrame
    fit: dict[str, float]
    model: ChoiceModel
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The estimates table."""
        return self.estimates.copy()


def _features(
    model: ChoiceModel, attributes: Sequence[str], decay: str
) -> tuple[npt.NDArray[np.float32], FArray, list[str]]:
    p = replace(model.params, decay=decay)
    f = decay_feature(model.minutes, p)
    feats, _ = attraction_terms(model.attributes, list(attributes))
    return f, feats, ["beta", *attributes]


def _check_counts(model: ChoiceModel, observed: npt.ArrayLike) -> FArray:
    n = np.asarray(observed, dtype=np.float64)
    if n.shape != model.minutes.shape:
        raise ParameterError(
            f"observed must be (origins, stations) = {model.minutes.shape}, got {n.shape}"
        )
    if not (n >= 0).all():
        raise ParameterError("observed counts must be >= 0 without NaN")
    if (n[~np.isfinite(model.minutes)] > 0).any():
        raise ParameterError("observed choices at unreachable stations (inf minutes)")
    if n.sum() <= 0:
        raise ParameterError("observed counts are all zero")
    return n


def calibrate_ml(
    model: ChoiceModel,
    observed: npt.ArrayLike,
    *,
    attributes: Sequence[str] | None = None,
    decay: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> CalibrationResult:
    """Maximum-likelihood decay and attraction exponents from observed choices.

    Parameters
    ----------
    model
        Model whose stations and travel times the choices were made on.
    observed
        ``(origins, stations)`` persons of each origin listed at each station.
    attributes
        Attribute exponents to estimate (default: those of ``model.params``,
        leaving out any that is the same at every station — it cancels in the
        shares — with its name in ``meta["not_identifiable"]``); a constant
        attribute asked for explicitly is refused.
    decay
        ``"power"`` or ``"exponential"`` (default: the model's).

    Raises
    ------
    ParameterError
        On bad observations or an unidentifiable attribute.
    InfeasibleError
        When Newton's method does not converge (e.g. perfectly separated data).
    """
    n = _check_counts(model, observed)
    names = list(model.params.attraction) if attributes is None else list(attributes)
    dec = decay or model.params.decay
    _, all_feats, _ = _features(model, names, dec)
    constant = [nm for k, nm in enumerate(names) if np.ptp(all_feats[:, k]) == 0]
    if constant and attributes is not None:
        raise ParameterError(
            f"attribute(s) {', '.join(constant)} the same at every station: not identifiable"
        )
    # a constant attribute adds the same utility to every station and cancels in the shares:
    # it is left at its given exponent and reported in meta["not_identifiable"]
    names = [nm for nm in names if nm not in constant]
    f, feats, labels = _features(model, names, dec)
    rows = n.sum(axis=1) > 0
    n, f = n[rows], f[rows]
    reach = np.isfinite(model.minutes[rows])
    ni = n.sum(axis=1)
    fz = np.where(reach, f, 0.0).astype(np.float64)
    theta = np.zeros(len(labels))
    theta[0] = 0.1 if dec == "exponential" else 1.0

    def loglik(th: FArray) -> tuple[float, FArray, FArray]:
        u = -th[0] * fz + feats[:, :].dot(th[1:])[None, :] if names else -th[0] * fz
        u = np.where(reach, u, -np.inf)
        m = u.max(axis=1, keepdims=True)
        e = np.exp(u - m)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        logp = np.where(reach, u - m - np.log(s), 0.0)
        ll = float((n * logp).sum())
        # x_ij = [-f_ij, feats_j]
        obs_x = [-(n * fz).sum()] + [
            float((n.sum(axis=0) * feats[:, k]).sum()) for k in range(len(names))
        ]
        xbar_f = (p * fz).sum(axis=1)
        xbar_a = p @ feats if names else np.zeros((len(p), 0))
        exp_x = [-(ni * xbar_f).sum()] + [
            float((ni * xbar_a[:, k]).sum()) for k in range(len(names))
        ]
        grad = np.array(obs_x) - np.array(exp_x)
        # Hessian = -Σ_i N_i Cov_P(x_i)
        xs = [-fz] + [np.broadcast_to(feats[:, k], p.shape) for k in range(len(names))]
        means = [-xbar_f] + [xbar_a[:, k] for k in range(len(names))]
        h = np.zeros((len(labels), len(labels)))
        for a in range(len(labels)):
            da = xs[a] - means[a][:, None]
            for b in range(a, len(labels)):
                db = xs[b] - means[b][:, None]
                h[a, b] = h[b, a] = -float((ni[:, None] * p * da * db).sum())
        return ll, grad, h

    ll, g, h = loglik(theta)
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError as exc:
            raise InfeasibleError("likelihood is flat: parameters not identifiable") from exc
        # Newton decrement: half the expected gain of the full step; tiny = at the optimum
        if float(g @ step) < tol * max(1.0, abs(ll)):
            break
        lam = 1.0
        improved = False
        while lam > 1e-8:
            cand = theta + lam * step
            ll_c, g_c, h_c = loglik(cand)
            if ll_c >= ll - 1e-12:
                improved = True
                break
            lam /= 2
        if not improved:  # no step gains in floating point: the optimum within rounding
            break
        theta, ll, g, h = cand, ll_c, g_c, h_c
        if np.abs(lam * step).max() < tol:
            break
    else:
        raise InfeasibleError(f"maximum likelihood did not converge in {max_iter} iterations")
    cov = np.linalg.inv(-h)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    null = float((n * np.where(reach, -np.log(reach.sum(axis=1, keepdims=True)), 0.0)).sum())
    fit = {
        "log_likelihood": ll,
        "null_log_likelihood": null,
        "mcfadden_r2": 1.0 - ll / null if null < 0 else float("nan"),
        "n_obs": float(n.sum()),
        "n_origins": float(rows.sum()),
        "iterations": float(it),
    }
    params = ChoiceParams(
        decay=dec,
        beta=float(theta[0]),
        attraction={c: float(model.params.attraction[c]) for c in constant}
        | dict(zip(names, map(float, theta[1:]), strict=True)),
        min_minutes=model.params.min_minutes,
        sources={c: str(model.params.sources.get(c, "given")) for c in constant}
        | {"beta": "calibrated (maximum likelihood)"}
        | dict.fromkeys(names, "calibrated (maximum likelihood)"),
    )
    est = _estimates(labels, theta, se)
    return CalibrationResult(
        params,
        est,
        fit,
        model.with_params(params),
        {
            "method": "multinomial-logit maximum likelihood (McFadden 1974), Newton-Raphson",
            "not_identifiable": constant,
        },
    )


def _estimates(labels: list[str], theta: FArray, se: FArray) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, theta / se, np.nan)
    return pd.DataFrame({"parameter": labels, "estimate": theta, "std_error": se, "z": z})


def calibrate_mci(
    model: ChoiceModel,
    observed_shares: npt.ArrayLike,
    *,
    attributes: Sequence[str] | None = None,
    decay: str | None = None,
) -> CalibrationResult:
    """MCI estimation by the log-centring transformation and OLS.

    Cells with a zero observed share or unreachable station are left out and
    each origin is centred over its remaining cells (origins with fewer
    than two cells drop out).  Log attributes enter as ``log x``, 0/1
    attributes linearly, travel time as ``log t`` (power) or ``t``
    (exponential).

    Raises
    ------
    ParameterError
        On bad shares or too few usable cells.
    """
    s = np.asarray(observed_shares, dtype=np.float64)
    if s.shape != model.minutes.shape or not (s >= 0).all():
        raise ParameterError(f"observed shares must be >= 0 with shape {model.minutes.shape}")
    names = list(model.params.attraction) if attributes is None else list(attributes)
    dec = decay or model.params.decay
    f, feats, labels = _features(model, names, dec)
    use = (s > 0) & np.isfinite(model.minutes)
    ys, xs = [], []
    for i in np.flatnonzero(use.sum(axis=1) >= 2):
        j = np.flatnonzero(use[i])
        ly = np.log(s[i, j])
        x = np.column_stack([-f[i, j].astype(np.float64), feats[j]])
        ys.append(ly - ly.mean())
        xs.append(x - x.mean(axis=0))
    if not ys:
        raise ParameterError("no origin has two or more positive observed shares")
    y, x = np.concatenate(ys), np.vstack(xs)
    dof = len(y) - x.shape[1]
    if dof <= 0:
        raise ParameterError(f"too few cells ({len(y)}) for {x.shape[1]} parameters")
    theta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ theta
    sigma2 = float(resid @ resid) / dof
    try:
        cov = sigma2 * np.linalg.inv(x.T @ x)
    except np.linalg.LinAlgError as exc:
        raise ParameterError("MCI regressors are collinear (a constant attribute?)") from exc
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    tss = float(y @ y)
    fit = {
        "r2": 1.0 - float(resid @ resid) / tss if tss > 0 else float("nan"),
        "rmse_log": float(np.sqrt(sigma2)),
        "n_obs": float(len(y)),
        "n_origins": float(len(ys)),
    }
    params = ChoiceParams(
        decay=dec,
        beta=float(theta[0]),
        attraction=dict(zip(names, map(float, theta[1:]), strict=True)),
        min_minutes=model.params.min_minutes,
        sources={"beta": "calibrated (MCI log-centred OLS)"}
        | dict.fromkeys(names, "calibrated (MCI log-centred OLS)"),
    )
    return CalibrationResult(
        params,
        _estimates(labels, theta, se),
        fit,
        model.with_params(params),
        {"method": "MCI log-centring transformation + OLS (Nakanishi & Cooper 1974)"},
    )


def fit_attractiveness(
    model: ChoiceModel,
    observed_totals: pd.Series | dict[str, float],
    *,
    max_iter: int = 2000,
    tol: float = 1e-6,
) -> CalibrationResult:
    """Scale each station's attractiveness until predicted list sizes match observed totals.

    The decay stays as given; station ``j`` gets a factor ``w_j`` (column
    ``fitted_attraction``, exponent 1) updated as ``w_j ← w_j · obs_j / pred_j``
    on the part of its list chosen freely.  Observed totals are scaled to the
    model's population (the scale factor is in ``fit``).

    Raises
    ------
    NotFoundError
        On an unknown station id.
    ParameterError
        When a station's observed total is below the residents who keep it
        under today's areas, or totals are missing for a station.
    InfeasibleError
        When the fit does not converge.
    """
    obs_in = pd.Series(observed_totals, dtype=float)
    for sid in obs_in.index:
        model.index_of(str(sid))
    obs_in.index = obs_in.index.astype(str)
    missing = [s for s in model.station_ids if s not in obs_in.index]
    if missing:
        raise ParameterError(f"observed totals missing for {', '.join(missing)}")
    if not (obs_in >= 0).all():
        raise ParameterError("observed totals must be >= 0")
    assert model.choosers is not None
    pop = model.total_population
    obs = obs_in.reindex(list(model.station_ids)).to_numpy(float)
    scale = float(pop.sum() / obs.sum()) if obs.sum() > 0 else float("nan")
    if not np.isfinite(scale):
        raise ParameterError("observed totals sum to zero")
    obs = obs * scale
    ch = model.choosers
    fixed = pop[~ch] @ model.fixed_matrix()[~ch]
    target = obs - fixed
    if (target < -1e-6 * max(obs.max(), 1.0)).any():
        bad = [model.station_ids[j] for j in np.flatnonzero(target < 0)]
        raise ParameterError(f"observed totals below the fixed residents at {', '.join(bad)}")
    target = np.maximum(target, 0.0)
    la = model.log_attraction()
    w = np.ones(len(obs))
    t, pc = model.minutes[ch], pop[ch]
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        with np.errstate(divide="ignore"):
            pred = pc @ shares(t, la + np.log(w), model.params)
        err = np.abs(pred - target).max() / max(target.max(), 1.0)
        if err < tol:
            break
        w = np.where(
            target > 0, w * np.divide(target, pred, out=np.ones_like(pred), where=pred > 0), 0.0
        )
        w = w / w[w > 0].max()
    else:
        raise InfeasibleError(f"attractiveness fit did not converge in {max_iter} iterations")
    w_safe = np.where(w > 0, w, 1e-12)
    attrs = model.attributes.copy()
    attrs["fitted_attraction"] = w_safe
    params = replace(
        model.params,
        attraction={**dict(model.params.attraction), "fitted_attraction": 1.0},
        sources={**dict(model.params.sources), "fitted_attraction": "fitted to observed totals"},
    )
    fitted = replace(model, attributes=attrs, params=params)
    pred_all = pop @ fitted.shares()
    resid = pred_all - obs
    tss = float(((obs - obs.mean()) ** 2).sum())
    fit = {
        "r2_totals": 1.0 - float(resid @ resid) / tss if tss > 0 else float("nan"),
        "rmse_persons": float(np.sqrt(np.mean(resid**2))),
        "max_abs_error_persons": float(np.abs(resid).max()),
        "scale_to_population": scale,
        "iterations": float(it),
        "n_obs": float(len(obs)),
    }
    est = pd.DataFrame(
        {
            "parameter": [f"attraction[{s}]" for s in model.station_ids],
            "estimate": w_safe,
            "std_error": np.nan,
            "z": np.nan,
        }
    )
    return CalibrationResult(
        params,
        est,
        fit,
        fitted,
        {
            "method": "iterative proportional fit of station attractiveness to observed totals "
            "(as huff.fit in R's MCI package); no standard errors (exactly identified)"
        },
    )
