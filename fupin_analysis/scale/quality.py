"""The quality table of a roster cleaned in partitions: the partitions' tables summed.

``rows`` add up. A ``detail`` adds up item by item so that it reads as the detail of the
roster cleaned whole (the same text, exactly):

* lists of ``label: count`` most frequent first (``id_invalid``, ``unknown_village``,
  ``village_assumed``, ``village_variant``): counts summed per label, then most first,
  ties in the order of the labels, as the cleaner orders them;
* lists of ``label: count`` in a fixed order (``summary_row``: kinds;
  ``household_field_conflict``, ``value_unmapped``, ``value_unparsed``: fields): summed
  per label, in that order;
* any other detail is a sentence with numbers (``in another household: 3``, ``no head:
  2 households; several: 0`` …): the same sentence with each number summed. ``head_count``
  says ``(no 与户主关系 values: heads unknown)`` only when every partition says it.

Examples
--------
>>> parts = [pd.DataFrame({"rule": ["id_invalid", "duplicate_person"], "rows": [3, 1],
...                        "action": ["quarantined"] * 2,
...                        "detail": ["bad_check: 2; bad_date: 1", "in another household: 1"]}),
...          pd.DataFrame({"rule": ["id_invalid", "duplicate_person"], "rows": [2, 0],
...                        "action": ["quarantined"] * 2,
...                        "detail": ["bad_date: 2", "in another household: 0"]})]
>>> sum_quality(parts).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
[['id_invalid', 5, 'quarantined', 'bad_date: 3; bad_check: 2'],
 ['duplicate_person', 1, 'quarantined', 'in another household: 1']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ..clean.rules import _SUMMARY_KINDS
from ..clean.values import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from ..errors import FupinError

__all__ = ["sum_quality"]

_BY_COUNT = frozenset({"id_invalid", "unknown_village", "village_assumed", "village_variant"})
_FIELDS = [f.name for f in MEMBER_FIELDS + HOUSEHOLD_FIELDS]
_FIXED_ORDER: dict[str, list[str]] = {
    "summary_row": [kind for kind, _ in _SUMMARY_KINDS] + ["blank"],
    "household_field_conflict": [f.name for f in HOUSEHOLD_FIELDS] + ["village_code"],
    "value_unmapped": _FIELDS,
    "value_unparsed": _FIELDS,
}
_ITEM = re.compile(r"^(?P<label>.*?): (?P<count>\d+)(?P<rest>.*)$", re.DOTALL)
_NUMBER = re.compile(r"\d+")
_NO_HEADS = " (no 与户主关系 values: heads unknown)"


def _items(detail: str, rule: str) -> list[tuple[str, int, str]]:
    items = []
    for item in filter(None, detail.split("; ")):
        match = _ITEM.match(item)
        if match is None:
            raise FupinError(f"quality of {rule}: cannot add up the detail {item!r}")
        items.append((match["label"], int(match["count"]), match["rest"]))
    return items


def _summed_items(details: Sequence[str], rule: str) -> str:
    counts: dict[tuple[str, str], int] = {}
    for detail in details:
        for label, count, rest in _items(detail, rule):
            counts[label, rest] = counts.get((label, rest), 0) + count
    if rule in _BY_COUNT:
        order = sorted(counts, key=lambda item: (-counts[item], item[0]))
    else:
        rank = {label: k for k, label in enumerate(_FIXED_ORDER[rule])}
        order = sorted(counts, key=lambda item: rank.get(item[0], len(rank)))
    return "; ".join(f"{label}: {counts[label, rest]}{rest}" for label, rest in order)


def _summed_sentence(details: Sequence[str], rule: str) -> str:
    if rule == "head_count":
        marked = [_NO_HEADS in d for d in details]
        details = [d.replace(_NO_HEADS, "") for d in details]
    templates = {_NUMBER.sub("#", d) for d in details}
    if len(templates) != 1:
        raise FupinError(f"quality of {rule}: partitions say different things: {templates}")
    numbers = [[int(n) for n in _NUMBER.findall(d)] for d in details]
    sums = iter(str(sum(column)) for column in zip(*numbers, strict=True))
    text = _NUMBER.sub(lambda _: next(sums), details[0])
    if rule == "head_count" and all(marked):
        text = text.replace(" households;", f" households{_NO_HEADS};", 1)
    return text


def sum_quality(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One quality table (``rule``, ``rows``, ``action``, ``detail``) from the tables of
    the partitions (each with the same rules in the same order).

    Raises
    ------
    FupinError
        When the tables do not have the same rules, or a detail cannot be added up.
    """
    rules = tables[0]["rule"].tolist()
    if any(t["rule"].tolist() != rules for t in tables):
        raise FupinError("quality of the partitions: not the same rules in the same order")
    out = []
    for k, rule in enumerate(rules):
        details = [str(t["detail"].iloc[k]) for t in tables]
        if rule in _BY_COUNT or rule in _FIXED_ORDER:
            detail = _summed_items(details, rule)
        else:
            detail = _summed_sentence(details, rule)
        out.append({"rule": rule, "rows": int(sum(int(t["rows"].iloc[k]) for t in tables)),
                    "action": tables[0]["action"].iloc[k], "detail": detail})  # fmt: skip
    frame = pd.DataFrame(out, columns=["rule", "rows", "action", "detail"])
    return frame.astype({"rule": "str", "rows": "int64", "action": "str", "detail": "str"})
