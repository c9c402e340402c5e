"""House style, CJK font discovery with a romanised fallback, deterministic figures, map helpers.

Every notebook starts with :func:`use_style`, wraps each Chinese label in :func:`tr` and
saves each figure through :func:`save_figure`, which writes
``<output_dir>/figures/<prefix>__<name>.<ext>`` with fixed metadata, so the same inputs
give byte-identical files (PNG without ``Software``, SVG with a fixed ``svg.hashsalt`` and
no ``Date``, PDF without ``CreationDate``).

When no CJK font is installed, :func:`use_style` warns once and :func:`tr` returns pinyin,
so a figure never shows empty boxes ("tofu") in place of Chinese characters.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> use_style()
>>> fig, ax = plt.subplots()
>>> _ = ax.set_title(tr("寨市乡 2016"))
>>> save_figure(fig, "demo", output_dir="", prefix="00_overview")
[]
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.font_manager as fm
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .outputs import figure_path
from .provenance import declared_synthetic

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.patches import Patch
    from matplotlib.text import Text

__all__ = [
    "STYLE_PATH",
    "FIGURE_FORMATS",
    "cjk_font",
    "use_style",
    "tr",
    "translator",
    "village_label",
    "save_figure",
    "north_arrow",
    "scale_bar",
    "designated_handle",
    "finish_map",
    "HALO",
    "label_places",
    "separate_labels",
    "INCIDENCE_BREAKS",
    "QUANTITY_CMAPS",
    "class_breaks",
    "choropleth",
    "SYNTHETIC_MARK_GID",
    "mark_synthetic",
    "unit_map",
    "CLUSTER_COLOURS",
    "SPOT_COLOURS",
    "cluster_label",
    "lorenz_plot",
    "moran_scatter_plot",
]

#: The packaged house style.
STYLE_PATH = Path(__file__).with_name("fupin.mplstyle")

#: Formats :func:`save_figure` writes, with the metadata that makes their bytes repeatable.
FIGURE_FORMATS: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}

#: CJK families in order of preference (matched as prefixes of matplotlib's family names).
_CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Source Han Serif",
)
_CJK_FILE_RE = re.compile(r"(wqy|NotoSansCJK|NotoSerifCJK|NotoSansSC|SourceHan)", re.IGNORECASE)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_SVG_HASHSALT = "fupin_analysis"
_PUNCTUATION = str.maketrans({"、": ",", "。": ".", "《": "<", "》": ">", "—": "-", "·": " "})
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_warned = False
_MAP_LABELS = {
    "designated": ("省定贫困村", "Provincial-designated poor village"),
    "other": ("其他村级单位", "Other village-level unit"),
    "designated_area": ("省定贫困村（近似范围）", "Designated village (approximate area)"),
    "other_area": ("其他（近似范围）", "Other unit (approximate area)"),
}


def _installed_family() -> str | None:
    names = {f.name for f in fm.fontManager.ttflist}
    for wanted in _CJK_FAMILIES:
        hits = sorted(n for n in names if n.startswith(wanted) and "Mono" not in n)
        if hits:
            return hits[0]
    return None


@cache
def cjk_font() -> str | None:
    """The CJK font family matplotlib will use, or ``None`` when the machine has none.

    Looks in matplotlib's font list; when a CJK font file exists on disk but is not in
    that (cached) list, the file is added to the font manager and the lookup repeated.

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    family = _installed_family()
    if family is not None:
        return family
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in {".ttf", ".ttc", ".otf"} and _CJK_FILE_RE.search(path.name):
                fm.fontManager.addfont(str(path))
    return _installed_family()


def use_style() -> None:
    """Apply the house style and the CJK font.

    The packaged ``fupin.mplstyle``, then the CJK family at the head of
    ``font.sans-serif``. Without a CJK font, warns once; :func:`tr` then romanises
    labels. seaborn is not imported (it costs seconds per notebook); a notebook that
    wants ``sns.set_theme()`` must call it *before* this, since it resets
    ``font.sans-serif``.

    Examples
    --------
    >>> use_style()
    >>> mpl.rcParams["svg.hashsalt"]
    'fupin_analysis'
    """
    global _warned
    plt.style.use(STYLE_PATH)
    family = cjk_font()
    fallback = ["DejaVu Sans", "Arial", "sans-serif"]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = ([family] if family else []) + fallback
    if family is None and not _warned:
        _warned = True
        warnings.warn(
            "no CJK font found (install fonts-wqy-microhei or fonts-noto-cjk); "
            "figure labels are romanised (pinyin)",
            UserWarning,
            stacklevel=2,
        )


def _romanise(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    def han_run(match: re.Match) -> str:
        syllables = lazy_pinyin(
            match.group(0), style=Style.NORMAL, v_to_u=True, errors=lambda s: ["?"] * len(s)
        )
        return " " + " ".join(s.capitalize() for s in syllables) + " "

    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    text = _HAN_RE.sub(han_run, text)
    text = re.sub(r" +", " ", text)
    text = re.sub(r"([(\[/-]) ", r"\1", text)
    return re.sub(r" ([)\],.:;/-])", r"\1", text).strip()


def tr(text: str, lang: str = "zh") -> str:
    """A label as it can be drawn: unchanged with a CJK font, else pinyin.

    The romanisation (pypinyin, tone-less) writes each syllable as a capitalised word and
    full-width punctuation as ASCII, so nothing is drawn as empty boxes.

    Parameters
    ----------
    text : str
        A label, title or legend entry, Chinese or not.
    lang : {"zh", "en"}
        ``"en"`` romanises even when a CJK font exists (English figures of a notebook's
        ``lang`` parameter).

    Returns
    -------
    str

    Examples
    --------
    >>> tr("Incidence") == "Incidence"
    True
    >>> tr("寨市乡贫困发生率（2016年）", lang="en")
    'Zhai Shi Xiang Pin Kun Fa Sheng Lü (2016 Nian)'
    """
    if not isinstance(text, str) or (lang != "en" and cjk_font() is not None):
        return text
    return _romanise(text)


def translator(lang: str) -> Callable[[str, str], str]:
    """A function ``t(zh, en)`` giving the label in the notebook's language.

    For ``lang="zh"`` it returns the Chinese text as it can be drawn (:func:`tr`: pinyin
    without a CJK font); otherwise the English text.

    Examples
    --------
    >>> t = translator("en")
    >>> t("贫困发生率", "incidence")
    'incidence'
    >>> translator("zh")("Moran", "Moran")
    'Moran'
    """

    def t(zh: str, en: str) -> str:
        return tr(zh) if lang == "zh" else en

    return t


def village_label(name: str, lang: str = "zh") -> str:
    """A village name as a map label: without the trailing 村, drawable (:func:`tr`).

    Examples
    --------
    >>> village_label("表田村", lang="en")
    'Biao Tian'
    """
    return tr(name.removesuffix("村"), lang=lang)


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def save_figure(
    fig: Figure,
    name: str,
    *,
    output_dir: str | Path | None,
    prefix: str,
    formats: Sequence[str] = ("png",),
) -> list[Path]:
    """Save a figure deterministically, show it inline under IPython, then close it.

    While the session's inputs include the embedded synthetic dataset
    (:func:`fupin_analysis.provenance.declare_synthetic`, called by
    :func:`fupin_analysis.outputs.show_banner`),
    the figure gets the synthetic mark in its lower right corner (:func:`mark_synthetic`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        The figure's name within its notebook, e.g. ``"incidence_map"``.
    output_dir : str, Path or None
        The report run folder; empty or ``None`` writes nothing (interactive use).
    prefix : str
        The notebook's ``figure_prefix`` parameter (``<notebook>`` or
        ``<notebook>-<village>``).
    formats : sequence of str
        Any of ``png``, ``svg``, ``pdf``.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats`` (empty when nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in save_figure(fig, "line", output_dir=tmp, prefix="nb")]
    ['nb__line.png']
    """
    if declared_synthetic():
        mark_synthetic(fig)
    paths = []
    if output_dir:
        paths = [figure_path(output_dir, prefix, name, fmt) for fmt in formats]
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        with mpl.rc_context({"svg.hashsalt": _SVG_HASHSALT}):
            for path, fmt in zip(paths, formats, strict=True):
                fig.savefig(path, format=fmt, metadata=FIGURE_FORMATS[fmt])
    if _in_ipython():
        from IPython.display import display

        display(fig)
    plt.close(fig)
    return paths


def north_arrow(ax: Axes, *, x: float = 0.95, y: float = 0.93, size: float = 0.08) -> None:
    """Draw a north arrow (an arrow and "N") in axes-fraction coordinates.

    Assumes north is up, as in any projected (metric) CRS or plain lon/lat plot.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> north_arrow(ax)
    >>> plt.close(fig)
    """
    ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=12,
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3, "headwidth": 9},
    )


def _nice_length(span: float) -> float:
    """A 1-2-5 round length near a fifth of ``span``."""
    target = span / 5
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power


def scale_bar(ax: Axes, *, length_m: float | None = None, loc: str = "lower left") -> None:
    """Draw a scale bar on a map whose axes are in metres (a projected CRS).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A map in a metric CRS (e.g. EPSG:4546); on lon/lat degrees the bar would be wrong.
    length_m : float, optional
        Bar length in metres; default a round 1-2-5 length near a fifth of the x extent.
    loc : str
        Legend-style location.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(0, 12_000)
    >>> scale_bar(ax)
    >>> ax.artists[-1].txt_label.get_text()
    '2 km'
    >>> plt.close(fig)
    """
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    x0, x1 = ax.get_xlim()
    length = length_m or _nice_length(abs(x1 - x0))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(
        ax.transData,
        length,
        label,
        loc,
        pad=0.4,
        borderpad=0.6,
        sep=4,
        frameon=True,
        size_vertical=abs(x1 - x0) / 200,
        color="black",
    )
    bar.patch.set_alpha(0.7)
    ax.add_artist(bar)


def designated_handle(lang: str = "zh", *, linewidth: float = 1.4) -> Patch:
    """The legend entry of the black outline that marks the designated villages.

    Examples
    --------
    >>> designated_handle("en").get_label()
    'designated village'
    """
    from matplotlib.patches import Patch

    label = translator(lang)("省定贫困村", "designated village")
    return Patch(facecolor="none", edgecolor="black", linewidth=linewidth, label=label)


def finish_map(
    ax: Axes,
    title: str | None = None,
    *,
    handles: Sequence[Artist] | None = None,
    fontsize: float = 7,
    ncols: int = 2,
) -> None:
    """Finish a map in a metric CRS: title, no axes, north arrow, scale bar, legend.

    The legend sits under the map, outside its axes, so that it never hides a village.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A map drawn in metres (a projected CRS): the scale bar measures the x axis.
    title : str, optional
        The map's title (what and when).
    handles : sequence of matplotlib artists, optional
        Legend entries; no legend when empty.
    fontsize : float
        Legend font size.
    ncols : int
        Legend columns.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(0, 12_000)
    >>> finish_map(ax, "Villages", handles=[designated_handle("en")])
    >>> ax.get_title(loc=mpl.rcParams["axes.titlelocation"]), ax.axison, ax.get_legend() is not None
    ('Villages', False, True)
    >>> plt.close(fig)
    """
    if title is not None:
        ax.set_title(title)
    ax.set_axis_off()
    north_arrow(ax)
    scale_bar(ax)
    if handles:
        ax.legend(handles=list(handles), loc="upper center", bbox_to_anchor=(0.5, -0.01),
                  fontsize=fontsize, ncols=min(ncols, len(handles)))  # fmt: skip


#: White outline drawn around map labels, so that they read on any fill and boundary.
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def label_places(
    ax: Axes,
    frame: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    min_area: float = 0.0,
    fontsize: float | None = None,
) -> list[Text]:
    """Name each unit of ``frame`` at a point inside it, with a white halo.

    Call :func:`separate_labels` once the figure is complete to move colliding labels
    apart (with a leader line to their unit).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    frame : geopandas.GeoDataFrame
        Units with ``name`` (metric CRS).
    lang : {"zh", "en"}
        ``"en"`` romanises the names (:func:`village_label`).
    min_area : float
        Units smaller than this (m², e.g. urban communities) stay unlabelled.
    fontsize : float, optional
        Default 6.5 for Chinese names, 5.5 for pinyin.

    Returns
    -------
    list of matplotlib.text.Text

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> frame = gpd.GeoDataFrame({"name": ["表田村"]}, geometry=[box(0, 0, 3000, 3000)],
    ...                          crs="EPSG:4546")
    >>> fig, ax = plt.subplots()
    >>> [t.get_text() for t in label_places(ax, frame, lang="en")]
    ['Biao Tian']
    >>> plt.close(fig)
    """
    size = fontsize or (6.5 if lang == "zh" else 5.5)
    shown = frame[frame.area > min_area] if min_area else frame
    texts = []
    for name, geometry in zip(shown["name"], shown.geometry, strict=True):
        spot = geometry.representative_point()
        texts.append(
            ax.text(spot.x, spot.y, village_label(name, lang), ha="center", va="center",
                    fontsize=size, path_effects=HALO, zorder=6)
        )  # fmt: skip
    return texts


def separate_labels(fig: Figure, labels: dict[Axes, list[Text]]) -> None:
    """Move overlapping labels apart (adjustText), a thin leader line to each moved one.

    Lays the figure out first, so that the labels are moved at their final size.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> texts = [ax.text(0.5, 0.5, "甲村"), ax.text(0.5, 0.5, "乙村")]
    >>> separate_labels(fig, {ax: texts})
    >>> texts[0].get_position() != texts[1].get_position()
    True
    >>> plt.close(fig)
    """
    from adjustText import adjust_text

    fig.canvas.draw()
    for ax, texts in labels.items():
        if len(texts) > 1:
            adjust_text(
                texts, ax=ax, expand=(1.15, 1.35), ensure_inside_axes=True,
                arrowprops={"arrowstyle": "-", "color": "0.2", "lw": 0.5},
            )  # fmt: skip


#: Upper bounds of the incidence classes of every map, in every notebook: 2 % is the
#: village exit line, 30 % the highest class (FACTS §5).
INCIDENCE_BREAKS: tuple[float, ...] = (0.02, 0.05, 0.10, 0.15, 0.20, 0.30, 1.0)

#: One colour map per quantity, in every notebook.
QUANTITY_CMAPS: dict[str, str] = {"incidence": "OrRd", "M0": "YlOrBr", "return_rate": "PuRd"}


def class_breaks(
    values: Sequence[float], *, scheme: str = "fisher_jenks", k: int = 5
) -> np.ndarray:
    """Upper bounds of ``k`` classes of ``values`` by a mapclassify scheme.

    Parameters
    ----------
    values : sequence of float
        Missing values are left out.
    scheme : str
        A :func:`mapclassify.classify` scheme: ``"fisher_jenks"`` (natural breaks),
        ``"quantiles"``, ``"equal_interval"`` …
    k : int
        Classes wanted (fewer when there are fewer distinct values).

    Examples
    --------
    >>> class_breaks([0.1, 0.1, 0.2, 0.8, 0.9], k=2).tolist()
    [0.2, 0.9]
    """
    import mapclassify

    y = np.asarray([v for v in values if v == v], dtype=float)
    with warnings.catch_warnings():  # mapclassify's note that numba would be faster
        warnings.filterwarnings("ignore", message="Numba not installed")
        return mapclassify.classify(y, scheme, k=min(k, len(np.unique(y)))).bins


def _bound(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.1%}"
    return f"{value:.2f}"


def choropleth(
    ax: Axes,
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    breaks: Sequence[float],
    cmap: str,
    percent: bool = False,
    lang: str = "zh",
    edgecolor: str = "white",
    linewidth: float = 0.5,
) -> list[Patch]:
    """Fill each unit by the class of its ``column``; the legend entries with class counts.

    Classes are right-closed: class ``i`` holds ``breaks[i-1] < value <= breaks[i]``
    (values above the last bound join the last class), so that a map's scale is set by
    the breaks, not by one unit's extreme value.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    frame : geopandas.GeoDataFrame
    column : str
    breaks : sequence of float
        Upper bounds of the classes (:data:`INCIDENCE_BREAKS`, :func:`class_breaks`).
    cmap : str
        A matplotlib colour map (:data:`QUANTITY_CMAPS`).
    percent : bool
        Bounds as percentages.
    lang : {"zh", "en"}
        Language of the "no data" entry.
    edgecolor, linewidth
        Unit boundaries.

    Returns
    -------
    list of matplotlib.patches.Patch
        One legend entry per class, ``"lower–upper (count)"``, plus "no data" when a unit
        has none.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> frame = gpd.GeoDataFrame({"incidence": [0.01, 0.12, 0.15]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:4546")
    >>> fig, ax = plt.subplots()
    >>> [h.get_label() for h in choropleth(ax, frame, "incidence", breaks=[0.02, 0.1, 0.2],
    ...                                    cmap="OrRd", percent=True)]
    ['≤ 2% (1)', '2%–10% (0)', '10%–20% (2)']
    >>> plt.close(fig)
    """
    from matplotlib.patches import Patch

    bounds = np.asarray(breaks, dtype=float)
    values = frame[column].astype(float).to_numpy()
    missing = np.isnan(values)
    classes = np.minimum(np.searchsorted(bounds, values, side="left"), len(bounds) - 1)
    palette = plt.get_cmap(cmap)(np.linspace(0.12, 1.0, len(bounds)))
    no_data = (0.93, 0.93, 0.93, 1.0)
    colours = [
        no_data if gap else tuple(palette[c]) for c, gap in zip(classes, missing, strict=True)
    ]
    frame.plot(ax=ax, color=colours, edgecolor=edgecolor, linewidth=linewidth)
    counts = np.bincount(classes[~missing], minlength=len(bounds))
    shown = [_bound(bound, percent) for bound in bounds]
    pairs = zip(shown[:-1], shown[1:], strict=True)
    labels = [f"≤ {shown[0]}"] + [f"{lo}–{hi}" for lo, hi in pairs]
    if percent and bounds[-1] >= 1 and len(bounds) > 1:
        labels[-1] = f"> {_bound(bounds[-2], percent)}"
    handles = [
        Patch(facecolor=palette[i], edgecolor="grey", label=f"{label} ({counts[i]})")
        for i, label in enumerate(labels)
    ]
    if missing.any():
        text = translator(lang)("无数据", "no data")
        handles.append(
            Patch(facecolor=no_data, edgecolor="grey", label=f"{text} ({missing.sum()})")
        )
    return handles


#: The ``gid`` of the synthetic mark's text, so that tests and readers can find it.
SYNTHETIC_MARK_GID = "synthetic-mark"


def mark_synthetic(fig: Figure) -> Text:
    """Write "合成数据 · synthetic data" in the figure's lower right corner (once).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> mark_synthetic(fig) is mark_synthetic(fig), len(fig.texts)
    (True, 1)
    >>> plt.close(fig)
    """
    for text in fig.texts:
        if text.get_gid() == SYNTHETIC_MARK_GID:
            return text
    return fig.text(
        0.995, 0.005, tr("合成数据") + " · synthetic data", ha="right", va="bottom",
        fontsize=8, color="#b2182b", gid=SYNTHETIC_MARK_GID,
        bbox={"facecolor": "white", "edgecolor": "#b2182b", "boxstyle": "round,pad=0.25",
              "linewidth": 0.6},
    )  # fmt: skip


def unit_map(
    points: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame | None = None,
    *,
    title: str,
    lang: str = "zh",
    note: str | None = None,
) -> Figure:
    """Map the village-level units, designated poor villages marked, in a metric CRS.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Unit points with ``code``, ``name`` and ``designated`` (e.g.
        :func:`fupin_analysis.geo.village_points`).
    polygons : geopandas.GeoDataFrame, optional
        Unit polygons with ``code``, ``name`` and ``designated`` (e.g. the approximate
        ``villages`` layer); designated ones are filled, and units without a point are
        labelled in grey italics.
    title : str
        Says what and when, in the language of ``lang`` (passed through :func:`tr`).
    lang : {"zh", "en"}
        Language of the legend; with ``"en"`` unit names are romanised.
    note : str, optional
        A source/caveat line under the map, in the language of ``lang``.

    Returns
    -------
    matplotlib.figure.Figure
        With legend, north arrow and scale bar; save it with :func:`save_figure`.

    Examples
    --------
    >>> from fupin_analysis.reference import load_villages
    >>> from fupin_analysis.geo import village_points
    >>> fig = unit_map(village_points(load_villages()), title="寨市乡村级单位（2016）")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
    ...     tr("省定贫困村"), tr("其他村级单位")]
    True
    >>> plt.close(fig)
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .geo import metric_crs

    def label(key: str) -> str:
        zh, en = _MAP_LABELS[key]
        return en if lang == "en" else tr(zh)

    crs = metric_crs(points)
    pts = points.to_crs(crs)
    designated = pts["designated"].astype(bool).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 9))
    texts = []
    handles = [
        Line2D([], [], marker="*", color="#D55E00", linestyle="", markersize=13,
               label=label("designated")),
        Line2D([], [], marker="o", color="#0072B2", linestyle="", markersize=6,
               label=label("other")),
    ]  # fmt: skip
    if polygons is not None and not polygons.empty:
        polys = polygons.to_crs(crs)
        filled = polys["designated"].astype(bool).to_numpy()
        polys.plot(
            ax=ax,
            color=["#F6D2B5" if d else "#F2F2F2" for d in filled],
            edgecolor="#8C8C8C",
            linewidth=0.6,
        )
        for name, code, geom in zip(polys["name"], polys["code"], polys.geometry, strict=True):
            if code not in set(pts["code"]) and not geom.is_empty:
                spot = geom.representative_point()
                texts.append(
                    ax.text(spot.x, spot.y, tr(name, lang), ha="center", fontsize=8,
                            color="#666666", style="italic", path_effects=HALO)
                )  # fmt: skip
        grey = {"edgecolor": "#8C8C8C"}
        handles += [
            Patch(facecolor="#F6D2B5", label=label("designated_area"), **grey),
            Patch(facecolor="#F2F2F2", label=label("other_area"), **grey),
        ]
    pts[~designated].plot(ax=ax, marker="o", color="#0072B2", markersize=28, zorder=3)
    pts[designated].plot(ax=ax, marker="*", color="#D55E00", markersize=160, zorder=4)
    texts += [
        ax.text(geom.x, geom.y, tr(name, lang), fontsize=8, path_effects=HALO, zorder=5)
        for name, geom in zip(pts["name"], pts.geometry, strict=True)
    ]
    ax.set_aspect("equal")
    ax.set(xticks=[], yticks=[], xlabel="", ylabel="")
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set(visible=True, color="#BBBBBB")
    ax.set_title(tr(title, lang))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2)
    north_arrow(ax)
    scale_bar(ax)
    if note:
        fig.text(0.01, 0.005, tr(note, lang), fontsize=8, color="#555555", ha="left", va="bottom")
    separate_labels(fig, {ax: texts})
    return fig


#: Fill colours of the LISA cluster labels (``spatial.local_moran``'s ``cluster``).
CLUSTER_COLOURS: dict[str, str] = {
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "Low-High": "#abd9e9",
    "High-Low": "#fdae61",
    "not significant": "#e0e0e0",
    "island": "white",
}

#: Fill colours of the Getis-Ord Gi* labels (``spatial.getis_ord``'s ``spot``).
SPOT_COLOURS: dict[str, str] = {
    "hot spot": "#d7191c",
    "cold spot": "#2c7bb6",
    "not significant": "#e0e0e0",
    "island": "white",
}

_CLUSTER_NAMES_ZH = {
    "High-High": "高-高",
    "Low-Low": "低-低",
    "Low-High": "低-高",
    "High-Low": "高-低",
    "not significant": "不显著",
    "island": "无邻接",
    "hot spot": "热点",
    "cold spot": "冷点",
}


def cluster_label(key: str, lang: str = "zh") -> str:
    """The legend label of a LISA cluster or Gi* spot label in the notebook's language.

    Examples
    --------
    >>> cluster_label("High-High", "en")
    'High-High'
    >>> cluster_label("hot spot", "zh") == tr("热点")
    True
    """
    return tr(_CLUSTER_NAMES_ZH[key]) if lang == "zh" else key


def lorenz_plot(
    curve: pd.DataFrame, *, gini: float, hoover: float, title: str, lang: str = "zh"
) -> Figure:
    """The Lorenz curve of the poor over villages, designated villages marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        :func:`fupin_analysis.spatial.lorenz_curve` (``cum_population_share``,
        ``cum_poor_share``, ``designated``).
    gini, hoover : float
        The indices written on the plot (:func:`fupin_analysis.spatial.concentration`).
    title : str
        What and when, in the notebook's language.
    lang : {"zh", "en"}
        Language of the axis labels and legend.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`save_figure`.

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"cum_population_share": [0, 0.5, 1.0],
    ...     "cum_poor_share": [0, 0.2, 1.0], "designated": [None, False, True]})
    >>> fig = lorenz_plot(curve, gini=0.3, hoover=0.3, title="Lorenz", lang="en")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['equal incidence', 'Lorenz curve', 'designated village']
    >>> plt.close(fig)
    """
    t = translator(lang)
    fig, ax = plt.subplots(figsize=(5.5, 5.2))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, label=t("均等分布", "equal incidence"))
    ax.plot(
        curve["cum_population_share"],
        curve["cum_poor_share"],
        color="C0",
        marker=".",
        label=t("洛伦兹曲线", "Lorenz curve"),
    )
    designated = curve["designated"].astype("boolean").fillna(False).astype(bool)
    ax.scatter(
        curve.loc[designated, "cum_population_share"],
        curve.loc[designated, "cum_poor_share"],
        color="C3",
        zorder=3,
        label=t("省定贫困村", "designated village"),
    )
    ax.set_xlabel(
        t("累计人口占比（按发生率由低到高）", "cumulative share of population (by incidence)")
    )
    ax.set_ylabel(t("累计贫困人口占比", "cumulative share of the poor"))
    ax.text(0.05, 0.9, f"Gini = {gini:.3f}\nHoover = {hoover:.3f}", transform=ax.transAxes)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def moran_scatter_plot(
    local: pd.DataFrame,
    *,
    moran_i: float,
    line: tuple[float, float],
    title: str,
    lang: str = "zh",
) -> Figure:
    """The Moran scatter plot: each village's standardised rate against its spatial lag.

    Points are coloured by LISA cluster, designated villages edged in black, significant
    villages named; the line is the least-squares line of the points drawn, whose slope is
    Moran's I only without islands (the legend gives both). Islands (no lag) are left out.

    Parameters
    ----------
    local : pandas.DataFrame
        :func:`fupin_analysis.spatial.local_results` (or :func:`~fupin_analysis.spatial.
        local_moran` with ``name`` and ``designated``): ``z``, ``lag``, ``island``,
        ``cluster``, ``significant``, ``name``, ``designated``.
    moran_i : float
        The global Moran's I of the same variable and weights.
    line : tuple of float
        ``(slope, intercept)`` of the points drawn
        (:func:`fupin_analysis.spatial.scatter_line`).
    title : str
        What and when, in the notebook's language.
    lang : {"zh", "en"}
        Language of the labels; village names are romanised with ``"en"``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> local = pd.DataFrame({"name": ["表田村", "李家村"], "designated": [True, False],
    ...     "z": [1.0, -1.0], "lag": [0.8, -0.6], "island": [False, False],
    ...     "cluster": ["High-High", "not significant"], "significant": [True, False]})
    >>> fig = moran_scatter_plot(local, moran_i=0.7, line=(0.7, 0.1), title="Moran", lang="en")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['Biao Tian']
    >>> plt.close(fig)
    """
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    t = translator(lang)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ok = ~local["island"].astype(bool)
    designated = local.loc[ok, "designated"].astype(bool)
    ax.scatter(
        local.loc[ok, "z"],
        local.loc[ok, "lag"],
        c=local.loc[ok, "cluster"].map(CLUSTER_COLOURS),
        edgecolor=np.where(designated, "black", "grey"),
        linewidth=np.where(designated, 1.5, 0.5),
        s=45,
    )
    slope, intercept = line
    xs = np.array([local.loc[ok, "z"].min(), local.loc[ok, "z"].max()])
    fitted = t(f"最小二乘线，斜率 {slope:.3f}（I = {moran_i:.3f}）",
               f"least squares, slope {slope:.3f} (I = {moran_i:.3f})")  # fmt: skip
    ax.plot(xs, intercept + slope * xs, color="black", lw=1)
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
    significant = local[local["significant"].astype(bool)]
    names = [
        ax.text(z, lag, village_label(name, lang), fontsize=7, path_effects=HALO)
        for name, z, lag in zip(significant["name"], significant["z"], significant["lag"],
                                strict=True)
    ]  # fmt: skip
    ax.set_xlabel(t("标准化发生率", "standardised rate"))
    ax.set_ylabel(t("邻村标准化发生率的均值（空间滞后）", "mean of neighbours (spatial lag)"))
    ax.set_title(title)
    ax.legend(
        handles=[
            Patch(facecolor=colour, label=cluster_label(key, lang))
            for key, colour in CLUSTER_COLOURS.items()
            if key != "island"
        ]
        + [
            Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                   markeredgecolor="black", markeredgewidth=1.5,
                   label=t("省定贫困村（黑边）", "designated village (black edge)")),
            Line2D([], [], color="black", lw=1, label=fitted),
        ],  # fmt: skip
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
    )
    separate_labels(fig, {ax: names})
    return fig
