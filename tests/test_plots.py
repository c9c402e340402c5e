"""Tests of fupin_analysis.plots: style, CJK font and pinyin fallback, deterministic figures."""

from __future__ import annotations

import re
import warnings
import zlib

import matplotlib as mpl
import matplotlib.font_manager as fm
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import plots, spatial
from fupin_analysis.errors import ConfigError

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HAS_CJK = plots.cjk_font() is not None


@pytest.fixture
def no_cjk(monkeypatch):
    """Pretend the machine has no CJK font."""
    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setattr(plots, "_warned", False)


def _figure(title="寨市乡各村贫困发生率（2016年）"):
    plots.use_style()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar([plots.tr("李家村"), plots.tr("竹桥村")], [0.24, -0.05], label=plots.tr("发生率"))
    ax.set_title(plots.tr(title))
    ax.legend()
    return fig


def _png_text_keys(data: bytes) -> set[str]:
    keys, pos = set(), 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            keys.add(body.split(b"\0", 1)[0].decode("latin-1"))
        elif kind == b"zTXt":
            keys.add(body.split(b"\0", 1)[0].decode("latin-1"))
            zlib.decompress(body.split(b"\0", 1)[1][1:])
        pos += 12 + length
    return keys


def test_use_style_puts_cjk_font_first_and_fixes_svg_salt():
    plots.use_style()
    assert mpl.rcParams["svg.hashsalt"] == "fupin_analysis"
    assert mpl.rcParams["axes.unicode_minus"] is False
    if HAS_CJK:
        assert mpl.rcParams["font.sans-serif"][0] == plots.cjk_font()


@pytest.mark.skipif(not HAS_CJK, reason="no CJK font on this machine")
def test_chinese_labels_render_without_missing_glyphs():
    fig = _figure()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        fig.canvas.draw()
    plt.close(fig)
    assert plots.tr("寨市乡") == "寨市乡"


@pytest.mark.skipif(not HAS_CJK, reason="no CJK font on this machine")
def test_font_file_on_disk_but_not_in_cache_is_added(monkeypatch):
    kept = [f for f in fm.fontManager.ttflist if not plots._CJK_FILE_RE.search(f.fname)]
    monkeypatch.setattr(fm.fontManager, "ttflist", kept)
    plots.cjk_font.cache_clear()
    try:
        assert plots._installed_family() is None
        assert plots.cjk_font() is not None
    finally:
        plots.cjk_font.cache_clear()


def test_without_cjk_use_style_warns_once_and_tr_romanises(no_cjk):
    with pytest.warns(UserWarning, match="no CJK font"):
        plots.use_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.use_style()
    assert (
        plots.tr("寨市乡贫困发生率（2016年）") == "Zhai Shi Xiang Pin Kun Fa Sheng Lü (2016 Nian)"
    )
    assert plots.tr("Map of 李家村, 2016") == "Map of Li Jia Cun, 2016"
    assert plots.tr("Incidence") == "Incidence"


def test_without_cjk_a_chinese_figure_draws_without_missing_glyphs(no_cjk):
    with pytest.warns(UserWarning):
        fig = _figure()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        fig.canvas.draw()
    assert not HAN.search(fig.axes[0].get_title())
    plt.close(fig)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_romanised_text_never_holds_han_characters(text):
    assert not HAN.search(plots._romanise(text))


@pytest.mark.parametrize(
    ("span", "expected"),
    [(12_000, 2_000), (10_000, 2_000), (9_999, 1_000), (50_000, 10_000), (2_600, 500), (30, 5)],
)
def test_nice_scale_bar_length(span, expected):
    assert plots._nice_length(span) == expected


def test_scale_bar_and_north_arrow_are_drawn():
    fig, ax = plt.subplots()
    ax.set_xlim(500_000, 530_000)
    plots.scale_bar(ax)
    plots.north_arrow(ax)
    assert ax.artists[-1].txt_label.get_text() == "5 km"
    assert [t.get_text() for t in ax.texts] == ["N"]
    plt.close(fig)


def test_save_figure_writes_named_files_with_fixed_metadata_and_closes(tmp_path):
    fig = _figure()
    paths = plots.save_figure(
        fig, "incidence", output_dir=tmp_path, prefix="03_spatial", formats=("png", "svg", "pdf")
    )
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "figures/03_spatial__incidence.png",
        "figures/03_spatial__incidence.svg",
        "figures/03_spatial__incidence.pdf",
    ]
    assert not plt.fignum_exists(fig.number)
    assert "Software" not in _png_text_keys(paths[0].read_bytes())
    assert b"<dc:date>" not in paths[1].read_bytes()
    assert b"/CreationDate" not in paths[2].read_bytes()


def test_same_figure_twice_gives_identical_bytes(tmp_path):
    first = plots.save_figure(
        _figure(), "f", output_dir=tmp_path / "a", prefix="nb", formats=("png", "svg", "pdf")
    )
    second = plots.save_figure(
        _figure(), "f", output_dir=tmp_path / "b", prefix="nb", formats=("png", "svg", "pdf")
    )
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_different_figures_give_different_bytes(tmp_path):
    a = plots.save_figure(_figure("一"), "f", output_dir=tmp_path / "a", prefix="nb")
    b = plots.save_figure(_figure("二"), "f", output_dir=tmp_path / "b", prefix="nb")
    assert a[0].read_bytes() != b[0].read_bytes()


@pytest.mark.parametrize("output_dir", ["", None])
def test_save_figure_without_output_dir_writes_nothing_but_closes(output_dir, tmp_path):
    fig = _figure()
    assert plots.save_figure(fig, "f", output_dir=output_dir, prefix="nb") == []
    assert not plt.fignum_exists(fig.number)


@pytest.mark.parametrize(
    ("name", "prefix", "fmt"),
    [("../x", "nb", "png"), ("a/b", "nb", "png"), ("f", "", "png"), ("f", "nb", "jpg")],
)
def test_bad_figure_names_and_formats_are_refused(name, prefix, fmt, tmp_path):
    fig = _figure()
    with pytest.raises(ConfigError):
        plots.save_figure(fig, name, output_dir=tmp_path, prefix=prefix, formats=(fmt,))
    plt.close(fig)


# --- figures of notebook 03 ------------------------------------------------------------


def _title(ax) -> str:
    """The axis title where the house style puts it."""
    return ax.get_title(loc=mpl.rcParams["axes.titlelocation"])


def test_every_cluster_and_spot_label_has_a_translation(no_cjk):
    keys = set(plots.CLUSTER_COLOURS) | set(plots.SPOT_COLOURS)
    for key in keys:
        assert plots.cluster_label(key, "en") == key
        zh = plots.cluster_label(key, "zh")
        assert zh and zh != key and not HAN.search(zh)  # pinyin without a CJK font


def test_lorenz_plot_draws_curve_designated_points_and_indices():
    import pandas as pd

    curve = pd.DataFrame(
        {
            "cum_population_share": [0.0, 0.25, 0.5, 1.0],
            "cum_poor_share": [0.0, 0.1, 0.2, 1.0],
            "designated": [None, False, True, True],
        }
    )
    plots.use_style()
    fig = plots.lorenz_plot(curve, gini=0.4321, hoover=0.3, title="Lorenz 2016", lang="en")
    ax = fig.axes[0]
    assert _title(ax) == "Lorenz 2016"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "equal incidence", "Lorenz curve", "designated village",
    ]  # fmt: skip
    assert ax.get_xlabel() == "cumulative share of population (by incidence)"
    # the designated villages and only they are marked
    assert ax.collections[0].get_offsets().tolist() == [[0.5, 0.2], [1.0, 1.0]]
    assert [t.get_text() for t in ax.texts] == ["Gini = 0.432\nHoover = 0.300"]
    plt.close(fig)


def test_moran_scatter_plot_names_significant_villages_and_leaves_out_islands():
    import pandas as pd

    local = pd.DataFrame(
        {
            "name": ["表田村", "李家村", "城内社区", "孤岛村"],
            "designated": [True, False, False, False],
            "z": [1.5, -0.5, -1.0, 2.0],
            "lag": [1.0, -0.2, -0.8, float("nan")],
            "island": [False, False, False, True],
            "cluster": ["High-High", "not significant", "Low-Low", "island"],
            "significant": [True, False, True, False],
        }
    )
    plots.use_style()
    fitted = spatial.scatter_line(local)
    fig = plots.moran_scatter_plot(local, moran_i=0.5, line=fitted, title="Moran 2016",
                                   lang="en")  # fmt: skip
    ax = fig.axes[0]
    points = ax.collections[0]
    assert points.get_offsets().tolist() == [[1.5, 1.0], [-0.5, -0.2], [-1.0, -0.8]]
    # designated villages edged in black, the others in grey
    assert list(points.get_linewidths()) == [1.5, 0.5, 0.5]
    assert [t.get_text() for t in ax.texts] == ["Biao Tian", "Cheng Nei She Qu"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    slope, intercept = np.polyfit([1.5, -0.5, -1.0], [1.0, -0.2, -0.8], 1)
    assert legend == ["High-High", "Low-Low", "Low-High", "High-Low", "not significant",
                      "designated village (black edge)",
                      f"least squares, slope {slope:.3f} (I = 0.500)"]  # fmt: skip
    # the least-squares line of the points drawn, across their range of z (islands out)
    line = ax.lines[0]
    assert line.get_xdata().tolist() == [-1.0, 1.5]
    np.testing.assert_allclose(line.get_ydata(), [intercept - slope, intercept + 1.5 * slope])
    assert _title(ax) == "Moran 2016"
    plt.close(fig)


# --- the synthetic mark (issue 18) -------------------------------------------------------


def _marks(fig) -> list[str]:
    return [t.get_text() for t in fig.texts if t.get_gid() == plots.SYNTHETIC_MARK_GID]


def test_figures_after_a_synthetic_banner_carry_the_mark(tmp_path):
    from fupin_analysis import outputs
    from fupin_analysis.reference import data_dir

    plots.use_style()
    outputs.show_banner(roster=data_dir() / "raw" / "zhaishi_roster_2016.xlsx")
    try:
        fig, ax = plt.subplots()
        plots.save_figure(fig, "x", output_dir=tmp_path, prefix="nb")
        assert _marks(fig) == [plots.tr("合成数据") + " · synthetic data"]
        mark = next(t for t in fig.texts if t.get_gid() == plots.SYNTHETIC_MARK_GID)
        assert mark.get_position() == (0.995, 0.005)  # the lower right corner
    finally:
        outputs.show_banner(roster="")
    fig, ax = plt.subplots()
    plots.save_figure(fig, "y", output_dir=tmp_path, prefix="nb")
    assert _marks(fig) == []  # a user's own data is never marked


def test_separate_labels_moves_overlapping_labels_apart():
    plots.use_style()
    fig, ax = plt.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    texts = [ax.text(5, 5, name, path_effects=plots.HALO) for name in ("表田", "和团", "上翁")]
    plots.separate_labels(fig, {ax: texts})
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    plt.close(fig)
