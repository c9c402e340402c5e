"""Excel workbooks with repeatable bytes.

openpyxl writes the current time twice into every workbook: into the document
properties (``docProps/core.xml``) and into each zip entry's header. The same table
written twice therefore differs byte for byte. :func:`repeatable_xlsx` re-packs a
workbook with both fixed, so that tables, the officials' workbook and the embedded roster
are reproducible.
"""

from __future__ import annotations

import io
import re
import zipfile

__all__ = ["repeatable_xlsx"]

_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def repeatable_xlsx(data: bytes, *, stamp: tuple[int, int, int] = (2016, 12, 31)) -> bytes:
    """Re-pack xlsx bytes with fixed document dates, entry times and attributes.

    Parameters
    ----------
    data : bytes
        An xlsx file as written by openpyxl (or any zip-based Office file).
    stamp : tuple of int
        The date (year, month, day) written as created/modified time and as the time of
        every zip entry.

    Returns
    -------
    bytes
        The same workbook; two calls on workbooks that differ only in their write time
        give identical bytes.

    Examples
    --------
    >>> import openpyxl
    >>> def written() -> bytes:
    ...     buffer = io.BytesIO()
    ...     openpyxl.Workbook().save(buffer)
    ...     return repeatable_xlsx(buffer.getvalue())
    >>> written() == written()
    True
    """
    w3cdtf = f"{stamp[0]:04d}-{stamp[1]:02d}-{stamp[2]:02d}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIME.sub(rb"\g<1>" + w3cdtf + rb"\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(*stamp, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content, compresslevel=6)
    return out.getvalue()
