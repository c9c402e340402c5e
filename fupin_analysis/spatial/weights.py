"""Spatial weights of village units (libpysal), always a fresh object.

Weights are given as ``"queen"``, ``"rook"``, ``"knn:K"``, ``"distance:METRES"`` or a
libpysal ``W`` (:func:`build_weights`). esda changes the transform of the ``W`` it is
given, so every statistic of :mod:`fupin_analysis.spatial` builds its own copy, with ids
``0 .. n-1`` in row order. Units without neighbours (islands) are listed in ``w.islands``.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd

from ..datum import metric_crs
from ..errors import ConfigError, GeographyError

__all__ = ["build_weights", "describe_weights", "island_mask", "numeric_column"]


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in metres: unchanged when projected, else in :func:`geo.metric_crs`."""
    if gdf.crs is not None and gdf.crs.is_geographic:
        return gdf.to_crs(metric_crs(gdf))
    return gdf


def _copy_weights(w: libpysal.weights.W, gdf: gpd.GeoDataFrame) -> libpysal.weights.W:
    """A fresh ``W`` with ids 0..n-1 in the row order of ``gdf``."""
    labels = list(gdf.index)
    if set(w.id_order) == set(labels) and len(labels) == w.n:
        position = {label: i for i, label in enumerate(labels)}
    elif w.n == len(gdf):
        position = {label: i for i, label in enumerate(w.id_order)}
    else:
        raise ConfigError(
            f"weights: the W has {w.n} units but the frame has {len(gdf)} rows; build the W "
            "from the same frame (ids = its index, or the same row order)"
        )
    neighbors = {position[i]: [position[j] for j in w.neighbors[i]] for i in w.id_order}
    weights = {position[i]: list(w.weights[i]) for i in w.id_order}
    return libpysal.weights.W(
        neighbors, weights, id_order=list(range(len(gdf))), silence_warnings=True
    )


def build_weights(gdf: gpd.GeoDataFrame, weights: object = "queen") -> libpysal.weights.W:
    """Spatial weights of ``gdf``'s rows, a fresh object with ids ``0 .. n-1``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units, one per row (polygons for contiguity; any geometry for ``knn`` and
        ``distance``, which use centroids).
    weights : str or libpysal.weights.W
        ``"queen"`` or ``"rook"`` contiguity; ``"knn:K"`` (K nearest centroids);
        ``"distance:METRES"`` (binary distance band between centroids, in metres: a
        geographic CRS is first projected to ``geo.metric_crs``, CGCS2000 Gauss-Krüger;
        a missing CRS is refused); or a libpysal ``W`` whose ids are ``gdf``'s index
        labels or which lists the rows in order. A given ``W`` is copied, never modified.

    Returns
    -------
    libpysal.weights.W
        Untransformed (``"O"``) weights, ids = row positions; ``w.islands`` lists the
        positions of units without neighbours.

    Raises
    ------
    ConfigError
        When ``weights`` is not one of the forms above.
    GeographyError
        When ``distance:`` is asked of a frame without a CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)])
    >>> w = build_weights(row, "rook")
    >>> w.neighbors, w.islands
    ({0: [1], 1: [0], 2: []}, [2])
    >>> build_weights(row, "knn:1").neighbors[2]
    [1]
    """
    if isinstance(weights, libpysal.weights.W):
        return _copy_weights(weights, gdf)
    if not isinstance(weights, str):
        raise ConfigError(
            f"weights={weights!r}: use 'queen', 'rook', 'knn:K', 'distance:METRES' or a libpysal W"
        )
    kind, _, arg = weights.strip().lower().partition(":")
    frame = gdf.reset_index(drop=True)
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; they are reported
        # through w.islands instead.
        warnings.simplefilter("ignore", UserWarning)
        if kind in ("queen", "rook") and not arg:
            cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
            w = cls.from_dataframe(frame, use_index=True, silence_warnings=True)
        elif kind == "knn" and arg.isdigit() and 0 < int(arg) < len(frame):
            points = _metric(frame).centroid
            w = libpysal.weights.KNN.from_dataframe(
                gpd.GeoDataFrame(geometry=points), k=int(arg), use_index=True
            )
        elif kind == "distance" and _is_positive_number(arg):
            if frame.crs is None:
                raise GeographyError(
                    "weights 'distance:…': the frame has no CRS, so metres are unknown; "
                    "set one with GeoDataFrame.set_crs"
                )
            points = _metric(frame).centroid
            w = libpysal.weights.DistanceBand.from_dataframe(
                gpd.GeoDataFrame(geometry=points),
                threshold=float(arg),
                binary=True,
                use_index=True,
                silence_warnings=True,
            )
        else:
            raise ConfigError(
                f"weights={weights!r}: use 'queen', 'rook', 'knn:K' (0 < K < {len(frame)}), "
                "'distance:METRES' or a libpysal W"
            )
    return _copy_weights(w, frame)


def island_mask(w: libpysal.weights.W) -> np.ndarray:
    """Which units (in ``w``'s order, positions ``0 … n-1``) have no neighbour.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])
    >>> island_mask(build_weights(gdf, "rook")).tolist()
    [False, False, True]
    """
    island = np.zeros(w.n, dtype=bool)
    island[list(w.islands)] = True
    return island


def _is_positive_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def describe_weights(weights: object) -> str:
    """How ``weights`` was given, for result tables (a name, or the type of a user W)."""
    if isinstance(weights, str):
        return weights
    return f"user W ({type(weights).__name__})"


def numeric_column(gdf: pd.DataFrame, column: str) -> np.ndarray:
    """The values of ``column`` as floats; a missing or non-numeric value is an error."""
    if column not in gdf.columns:
        raise ConfigError(f"column {column!r} not in the frame; columns: {list(gdf.columns)}")
    values = pd.to_numeric(gdf[column], errors="coerce").astype(float)
    if values.isna().any():
        bad = list(values.index[values.isna()][:5])
        raise ConfigError(
            f"column {column!r}: missing or non-numeric values at rows {bad}; drop or fill them"
        )
    return values.to_numpy()
