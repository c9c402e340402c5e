"""Spatial regression of a village rate on its factors (PySAL spreg).

The usual sequence (Anselin 2005, *Exploring Spatial Data with GeoDa*, ch. 23): fit OLS,
test its residuals for spatial dependence with the Lagrange multiplier tests (lag,
error, their robust forms, SARMA), and only if they find it fit the spatial model they
point to, by maximum likelihood. :func:`choose_model` is that rule, written down:

1. neither LM-lag nor LM-error significant at ``alpha``: keep OLS;
2. only one of them significant: its model;
3. both: the robust tests decide; only robust LM-lag significant: lag; only robust
   LM-error: error; both or neither: the larger robust statistic (Anselin's advice
   when both are highly significant).

With 30 villages and three or four factors the tests have little power: "OLS kept" means
no dependence was *found*, not that there is none.

Examples
--------
>>> import geopandas as gpd, libpysal
>>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
>>> fit = spatial_regression(columbus, "CRIME", ["INC", "HOVAL"])
>>> coefficients = fit.coefficients.set_index(["model", "variable"])["coefficient"]
>>> fit.model, round(float(coefficients[("lag", "rho")]), 4)
('lag', 0.4233)
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import ConfigError
from .weights import build_weights, describe_weights, numeric_column

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import spreg

__all__ = ["MODELS", "SpatialRegression", "lm_diagnostics", "choose_model", "spatial_regression"]

#: The models :func:`choose_model` can choose.
MODELS: tuple[str, ...] = ("ols", "lag", "error")
_TESTS = ("lm_lag", "lm_error", "rlm_lag", "rlm_error", "lm_sarma")


@dataclass(frozen=True)
class SpatialRegression:
    """The result of :func:`spatial_regression`.

    Attributes
    ----------
    model : str
        The model chosen (:data:`MODELS`).
    reason : str
        Why, in words (the step of :func:`choose_model` that decided).
    diagnostics : pandas.DataFrame
        ``test``, ``statistic``, ``df``, ``p_value``: Moran's I of the OLS residuals
        (its z-value and p) and the five LM tests.
    coefficients : pandas.DataFrame
        ``model``, ``variable``, ``coefficient``, ``std_error``, ``z`` (t for OLS),
        ``p_value``: OLS, and the chosen spatial model when it is not OLS (``rho`` of
        the lag model, ``lambda`` of the error model).
    fit : pandas.DataFrame
        ``model``, ``log_likelihood``, ``aic``, ``r2`` (pseudo R² for the spatial
        models), ``n``.
    weights : str
        The weights, as given.
    """

    model: str
    reason: str
    diagnostics: pd.DataFrame
    coefficients: pd.DataFrame
    fit: pd.DataFrame
    weights: str

    def significant(self, alpha: float = 0.05) -> list[str]:
        """The explanatory variables significant at ``alpha`` in the chosen model
        (the constant and the spatial parameter left out)."""
        chosen = self.coefficients[self.coefficients["model"] == self.model]
        keep = (chosen["p_value"] < alpha) & ~chosen["variable"].isin(
            ["constant", "rho", "lambda"]
        )
        return chosen.loc[keep, "variable"].tolist()


def lm_diagnostics(ols: spreg.OLS) -> pd.DataFrame:
    """Moran's I of the residuals and the LM tests of a spreg ``OLS`` fitted with ``w``.

    Returns
    -------
    pandas.DataFrame
        ``test`` (``moran_residuals``, ``lm_lag``, ``lm_error``, ``rlm_lag``,
        ``rlm_error``, ``lm_sarma``), ``statistic`` (the z-value for Moran's I), ``df``
        (NaN for Moran), ``p_value``.
    """
    moran = ols.moran_res
    rows = [("moran_residuals", float(moran[1]), np.nan, float(moran[2]))]
    for test in _TESTS:
        statistic, p = getattr(ols, test)
        rows.append((test, float(statistic), 2.0 if test == "lm_sarma" else 1.0, float(p)))
    return pd.DataFrame(rows, columns=["test", "statistic", "df", "p_value"])


def choose_model(diagnostics: pd.DataFrame, *, alpha: float = 0.05) -> tuple[str, str]:
    """OLS, spatial lag or spatial error, by the LM tests (the rule of the module).

    Parameters
    ----------
    diagnostics : pandas.DataFrame
        :func:`lm_diagnostics` (``test``, ``statistic``, ``p_value``).
    alpha : float
        Significance level of the tests.

    Returns
    -------
    tuple of str
        ``(model, reason)``.

    Examples
    --------
    >>> d = pd.DataFrame({"test": ["lm_lag", "lm_error", "rlm_lag", "rlm_error"],
    ...                   "statistic": [8.9, 5.2, 3.7, 0.04],
    ...                   "p_value": [0.003, 0.023, 0.053, 0.83]})
    >>> choose_model(d)[0]
    'lag'
    >>> choose_model(d.assign(p_value=[0.2, 0.3, 0.5, 0.6]))[0]
    'ols'
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha={alpha}: use a significance level between 0 and 1")
    missing = {"lm_lag", "lm_error", "rlm_lag", "rlm_error"} - set(diagnostics["test"])
    if missing:
        raise ConfigError(f"choose_model: diagnostics lack {sorted(missing)}")
    stat = diagnostics.set_index("test")["statistic"]
    p = diagnostics.set_index("test")["p_value"]
    lag, error = p["lm_lag"] < alpha, p["lm_error"] < alpha
    if not lag and not error:
        return "ols", f"neither LM-lag (p = {p['lm_lag']:.3g}) nor LM-error " \
            f"(p = {p['lm_error']:.3g}) is significant at {alpha}: OLS kept"  # fmt: skip
    if lag != error:
        model = "lag" if lag else "error"
        return model, f"only LM-{model} is significant at {alpha} (p = {p['lm_' + model]:.3g})"
    robust_lag, robust_error = p["rlm_lag"] < alpha, p["rlm_error"] < alpha
    if robust_lag != robust_error:
        model = "lag" if robust_lag else "error"
        return model, (
            f"LM-lag and LM-error are both significant; only robust LM-{model} is "
            f"(p = {p['rlm_' + model]:.3g})"
        )
    model = "lag" if stat["rlm_lag"] >= stat["rlm_error"] else "error"
    both = "both" if robust_lag else "neither"
    return model, (
        f"LM-lag and LM-error are both significant and {both} of the robust tests: the "
        f"larger robust statistic decides (robust LM-{model} = {stat['rlm_' + model]:.3g})"
    )


def _coefficients(model: str, names: Sequence[str], fit) -> pd.DataFrame:
    betas = np.asarray(fit.betas, dtype=float).ravel()
    se = np.asarray(fit.std_err, dtype=float).ravel()
    z = fit.t_stat if model == "ols" else fit.z_stat
    return pd.DataFrame(
        {
            "model": model,
            "variable": list(names)[: len(betas)],
            "coefficient": betas,
            "std_error": se,
            "z": [float(s) for s, _ in z],
            "p_value": [float(pv) for _, pv in z],
        }
    )


def spatial_regression(
    gdf: gpd.GeoDataFrame,
    y: str,
    x: Sequence[str],
    *,
    weights: object = "queen",
    alpha: float = 0.05,
    model: str | None = None,
) -> SpatialRegression:
    """OLS with spatial diagnostics, then the spatial model they point to (spreg).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    y : str
        The variable explained.
    x : sequence of str
        The explanatory variables (a constant is added).
    weights : str or libpysal.weights.W
        See :func:`.weights.build_weights`; row-standardised.
    alpha : float
        Level of the LM tests in :func:`choose_model`.
    model : {"ols", "lag", "error"}, optional
        Force a model instead of the rule (the diagnostics are still reported).

    Returns
    -------
    SpatialRegression

    Raises
    ------
    ConfigError
        With fewer units than coefficients + 2, an island (the ML models need every unit
        to have neighbours) or an unknown ``model``.
    """
    names = list(x)
    if not names:
        raise ConfigError("spatial_regression: give at least one explanatory variable")
    if model is not None and model not in MODELS:
        raise ConfigError(f"model={model!r}: use one of {list(MODELS)}")
    yv = numeric_column(gdf, y).reshape(-1, 1)
    xv = np.column_stack([numeric_column(gdf, name) for name in names])
    if len(yv) < len(names) + 3:
        raise ConfigError(
            f"spatial_regression: {len(yv)} units cannot fit {len(names) + 1} coefficients "
            "and a spatial parameter"
        )
    w = build_weights(gdf, weights)
    if w.islands:
        raise ConfigError(
            f"spatial_regression: {len(w.islands)} units have no neighbours under "
            f"weights={describe_weights(weights)!r}; use knn weights or drop them"
        )
    w.transform = "r"
    # spreg's ML models print their name to stdout
    quiet = contextlib.redirect_stdout(io.StringIO())
    with warnings.catch_warnings(), np.errstate(all="ignore"), quiet:
        warnings.simplefilter("ignore")
        ols = spreg.OLS(yv, xv, w=w, spat_diag=True, moran=True, name_y=y, name_x=names)
        diagnostics = lm_diagnostics(ols)
        chosen, reason = choose_model(diagnostics, alpha=alpha)
        if model is not None:
            chosen, reason = model, f"model={model!r} asked for ({reason})"
        tables = [_coefficients("ols", ["constant", *names], ols)]
        fits = [("ols", float(ols.logll), float(ols.aic), float(ols.r2))]
        if chosen == "lag":
            fit = spreg.ML_Lag(yv, xv, w, method="full", name_y=y, name_x=names)
            tables.append(_coefficients("lag", ["constant", *names, "rho"], fit))
            fits.append(("lag", float(fit.logll), float(fit.aic), float(fit.pr2)))
        elif chosen == "error":
            fit = spreg.ML_Error(yv, xv, w, method="full", name_y=y, name_x=names)
            tables.append(_coefficients("error", ["constant", *names, "lambda"], fit))
            fits.append(("error", float(fit.logll), float(fit.aic), float(fit.pr2)))
    fit_table = pd.DataFrame(fits, columns=["model", "log_likelihood", "aic", "r2"])
    fit_table["n"] = len(yv)
    return SpatialRegression(
        model=chosen,
        reason=reason,
        diagnostics=diagnostics,
        coefficients=pd.concat(tables, ignore_index=True),
        fit=fit_table,
        weights=describe_weights(weights),
    )
