"""A CJK web font for the pages of a run, so that Chinese renders on any reader's machine.

A page names the CJK families a reader may have (Noto Sans CJK, Source Han Sans,
PingFang, Microsoft YaHei, WenQuanYi): where one is installed the browser uses it and
downloads nothing. Where none is, the page carries its own: the CJK font of the machine
that made the report (the one its figures use, :func:`fupin_analysis.plots.cjk_font`),
cut down to the characters of that page (fontTools) and embedded as a base64 WOFF in an
``@font-face`` rule. The report stays one self-contained folder, with no request to a
font service; a page of the default report carries some 30–60 kB of font. Without a
CJK font on the report's machine only the family names are given.

Examples
--------
>>> css = font_css("贫困发生率 35.8%")
>>> "Noto Sans CJK SC" in css and "font-family" in css
True
"""

from __future__ import annotations

import base64
import io
import re
from functools import cache
from pathlib import Path

__all__ = ["LOCAL_FAMILIES", "EMBEDDED_FAMILY", "cjk_font_file", "font_css", "with_font"]

#: CJK families a reader's machine may have, tried before the embedded font.
LOCAL_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
    "WenQuanYi Micro Hei", "SimHei",
)  # fmt: skip
#: The family name of the font a page embeds.
EMBEDDED_FAMILY = "fupin CJK"
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


@cache
def cjk_font_file() -> Path | None:
    """The file of the CJK font the figures use, or ``None`` when the machine has none.

    Examples
    --------
    >>> cjk_font_file() is None or cjk_font_file().is_file()
    True
    """
    import matplotlib.font_manager as fm

    from ..plots import cjk_font

    family = cjk_font()
    if family is None:
        return None
    path = Path(fm.findfont(fm.FontProperties(family=family), fallback_to_default=False))
    return path if path.is_file() else None


def _subset_woff(path: Path, characters: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    number = 0 if path.suffix.lower() in (".ttc", ".otc") else -1
    font = TTFont(path, fontNumber=number, recalcTimestamp=False, lazy=True)
    for tag in ("GSUB", "GPOS", "GDEF", "FFTM"):  # no shaping needed for CJK text; big to read
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def font_css(text: str) -> str:
    """A ``<style>`` element: CJK families first, then the embedded subset for ``text``.

    The same text gives the same bytes (no timestamps in the font).

    Examples
    --------
    >>> font_css("only latin").count("@font-face")
    0
    """
    families = ", ".join(f'"{f}"' for f in LOCAL_FAMILIES)
    characters = "".join(sorted(set(_CJK.findall(text))))
    face = ""
    path = cjk_font_file()
    if characters and path is not None:
        data = base64.b64encode(_subset_woff(path, characters)).decode("ascii")
        face = (
            f'@font-face{{font-family:"{EMBEDDED_FAMILY}";'
            f'src:url(data:font/woff;base64,{data}) format("woff");'
            "unicode-range:U+2E80-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF}"
        )
        families += f', "{EMBEDDED_FAMILY}"'
    stack = f"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, {families}, sans-serif"
    return (
        f"<style>{face}:root{{--jp-content-font-family:{stack};--jp-ui-font-family:{stack}}}"
        f"body{{font-family:{stack}}}</style>"
    )


def with_font(page: str) -> str:
    """The HTML ``page`` with :func:`font_css` for its own text put before ``</head>``.

    Examples
    --------
    >>> page = with_font("<html><head></head><body>李家村</body></html>")
    >>> page.index("<style>") < page.index("</head>")
    True
    """
    head = page.find("</head>")
    css = font_css(page)
    return page[:head] + css + page[head:] if head >= 0 else css + page
